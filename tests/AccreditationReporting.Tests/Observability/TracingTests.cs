using System.Diagnostics;
using System.Text;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Trace;

namespace AccreditationReporting.Tests.Observability;

/// <summary>
/// Traces follow an event from the broker into PostgreSQL: the span that consumes a batch is the
/// parent of the statements that store it, and it is in each message's trace, or links to it.
/// </summary>
[Collection(AloneInTheProcess.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task EachPublishedEventsTraceLeadsToTheStatementsThatStoredIt()
    {
        var telemetry = new CapturedTelemetry();
        await using var service = await ReportingService.StartAsync(services: telemetry.Register);
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);
        var events = Enumerable.Range(0, 6).Select(_ => (Event: SampleEvents.Fresh(), MessageId: Guid.NewGuid())).ToList();

        await publisher.PublishManyAsync(service.EndpointName, events.Select(e => (Encoding.UTF8.GetBytes(e.Event.Json.ToJson()), e.MessageId)));
        foreach (var (e, _) in events)
        {
            await service.Database.WaitForStoredAsync(e.EventId);
        }

        // The consume span ends just after the commit the database shows.
        IReadOnlyList<Activity> spans = [];
        await Eventually.TrueAsync(
            () =>
            {
                spans = telemetry.Spans(service.Services);
                return Task.FromResult(events.All(e => ConsumeSpansOf(spans, ReceiveSpan(spans, e.MessageId)).Count == 1));
            },
            what: "a consume span for every message");

        foreach (var (_, messageId) in events)
        {
            var received = ReceiveSpan(spans, messageId);
            Assert.NotNull(received);
            var consumed = Assert.Single(ConsumeSpansOf(spans, received));
            Assert.True(consumed.GetTagItem("messaging.batch.message_count") is int count && count >= 1);

            // The consumer's span is the parent of the statements that store its batch.
            var inbox = Assert.Single(spans, s =>
                s.Source.Name == "Npgsql" && s.ParentSpanId == consumed.SpanId && s.TraceId == consumed.TraceId
                && QueryText(s).StartsWith("INSERT INTO accreditation.processed_events", StringComparison.Ordinal));
            Assert.Equal(ActivityKind.Client, inbox.Kind);
            Assert.Contains(spans, s =>
                s.Source.Name == "Npgsql" && s.ParentSpanId == consumed.SpanId && QueryText(s).Contains("INSERT INTO accreditation.completions", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task WithoutACollectorNoSpanIsRecordedUnlessTheSamplerVariableAsksForThem()
    {
        Assert.Empty(await StatementSpansOfOneEventAsync(settings: null));

        var asked = await StatementSpansOfOneEventAsync(new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_on" });
        Assert.Contains(asked, s => QueryText(s).StartsWith("INSERT INTO accreditation.processed_events", StringComparison.Ordinal));
    }

    /// <summary>
    /// The service's statements on its own database that an exporter attached without a sampler of
    /// its own has received once an event is stored: they end before their commit, so they are in by
    /// then if recorded. Alone in the process: another test's service recording every span would
    /// have this one's statements recorded too (activity sources are shared by name).
    /// </summary>
    private static async Task<List<Activity>> StatementSpansOfOneEventAsync(IReadOnlyDictionary<string, string?>? settings)
    {
        var spans = new List<Activity>();
        await using var service = await ReportingService.StartAsync(
            settings: settings,
            services: s => s.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);
        var sample = SampleEvents.Fresh();
        await publisher.PublishManyAsync(service.EndpointName, [(Encoding.UTF8.GetBytes(sample.Json.ToJson()), Guid.NewGuid())]);
        await service.Database.WaitForStoredAsync(sample.EventId);

        service.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var database = new NpgsqlConnectionStringBuilder(service.Database.ConnectionString).Database;
        lock (spans)
        {
            return [.. spans.Where(s => s.Source.Name == "Npgsql" && s.GetTagItem("db.namespace") as string == database)];
        }
    }

    /// <summary>MassTransit's span for the message as it came off the queue (the transport's message ID is ours).</summary>
    private static Activity? ReceiveSpan(IReadOnlyList<Activity> spans, Guid messageId) =>
        spans.SingleOrDefault(s =>
            s.Source.Name == "MassTransit" && s.GetTagItem("messaging.operation") as string == "receive"
            && s.GetTagItem("messaging.message.id") as string == messageId.ToString());

    /// <summary>Spans of our consumer in the message's own trace or linked to it: MassTransit runs a batch in one message's trace.</summary>
    private static List<Activity> ConsumeSpansOf(IReadOnlyList<Activity> spans, Activity? received) =>
        received is null
            ? []
            : spans.Where(s =>
                    s.Source.Name == "MassTransit"
                    && s.GetTagItem("messaging.masstransit.consumer_type") as string == typeof(CourseCompletedConsumer).FullName
                    && (s.TraceId == received.TraceId || s.Links.Any(l => l.Context.TraceId == received.TraceId)))
                .ToList();

    private static string QueryText(Activity span) => span.GetTagItem("db.query.text") as string ?? "";
}
