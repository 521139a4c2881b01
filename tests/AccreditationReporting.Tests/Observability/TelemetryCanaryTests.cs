using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Hosting;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using AccreditationReporting.Tests.StaffConsole;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Observability;

/// <summary>
/// Personal data never reaches telemetry. Learners whose every personal field holds a unique
/// canary go through the whole service (ingestion over RabbitMQ, a rejection and its replay,
/// batches, a push delivery, downloads over gRPC and the console, the learner record, an access
/// copy, a rectification and an erasure), while every log line, span and metric the service makes
/// is captured as an exporter would receive it. No canary may appear in any of them; and the
/// telemetry must be there, so the test cannot pass by capturing nothing.
/// </summary>
[Collection(AloneInTheProcess.Name)]
public sealed class TelemetryCanaryTests
{
    private const string Pars = "accme-pars-learners";
    private const string JointProvider = "joint-provider/cme-consultants";

    [Fact]
    public async Task NoPersonalValueReachesLogsTracesOrMetricsAndTheExpectedTelemetryIsThere()
    {
        var token = Guid.NewGuid().ToString("N")[..12];
        var stored = Learner(token, "a", birthYear: 1961, birthMonth: 11, birthDay: 29);
        var envelope = Learner(token, "b", birthYear: 1958, birthMonth: 7, birthDay: 13);
        var child = Learner(token, "c", birthYear: DateTime.UtcNow.Year - 10, birthMonth: 2, birthDay: 17);
        var rectifiedName = $"Cnrectified{token}";
        string[] canaries =
        [
            .. stored.Canaries, .. envelope.Canaries, .. child.Canaries, rectifiedName,
            // The score as sent and as stored (numeric(5,2)).
            "87.123", "87.12",
        ];

        var telemetry = new CapturedTelemetry();
        await using var recipient = await RecipientEndpoint.StartAsync(503, 200);
        await using var service = await ReportingService.StartAsync(
            settings: new Dictionary<string, string?>
            {
                // More than production writes (Information) wherever appsettings.json sets no level, so the
                // canaries see more; the frameworks stay at their shipped levels (README, "Observability":
                // ASP.NET Core below Warning logs URLs and handler arguments). The console stays quiet.
                ["Logging:LogLevel:Default"] = "Debug",
                ["Logging:Console:LogLevel:Default"] = "Warning",
                ["JointProviders:cme-consultants:Delivery:Endpoint"] = recipient.Url.ToString(),
                ["JointProviders:cme-consultants:Delivery:FirstRetryDelay"] = "00:00:00.05",
                ["JointProviders:cme-consultants:Delivery:PollInterval"] = "00:00:00.2",
            },
            services: telemetry.Register);

        // In: raw JSON with the AMQP timestamp (and the same event again), an under-age learner's event
        // (rejected), and a .NET publisher's event in MassTransit's envelope.
        await using (var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!))
        {
            await PublishStampedAsync(publisher, service.EndpointName, stored.Json);
            await PublishStampedAsync(publisher, service.EndpointName, stored.Json);
            await PublishStampedAsync(publisher, service.EndpointName, child.Json);
        }

        await service.Services.GetRequiredService<IBus>().Publish(envelope.Json.ToMessage());
        await service.Database.WaitForStoredAsync(stored.EventId);
        await service.Database.WaitForStoredAsync(envelope.EventId);
        var ingestion = service.IngestionClient();
        await Eventually.TrueAsync(
            async () => (await ingestion.ListRejectedEventsAsync(new ListRejectedEventsRequest { EventId = child.EventId.ToString() })).RejectedEvents.Count == 1,
            what: "the under-age event rejected");
        var replayed = await ingestion.ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest { AllOpen = true });
        Assert.Equal(ReplayOutcome.StillRejected, Assert.Single(replayed.Results).Outcome);

        // Out: batches, a push, downloads over gRPC and from the console.
        var exports = new ExportService.ExportServiceClient(service.CreateChannel());
        var pars = (await exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Pars })).Batch;
        var joint = (await exports.CreateBatchAsync(new CreateBatchRequest { Recipient = JointProvider })).Batch;
        var parsFile = await new ExportServiceFixtureOver(service).DownloadAsync(pars.Id);
        Assert.Contains(stored.LastName, parsFile.Text, StringComparison.Ordinal); // the canaries did travel where they belong
        var (browser, _) = service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, StaffRoles.Compliance);
        var consoleFile = await browser.GetAsync($"/console/batches/{joint.Id}/file");
        Assert.Equal(HttpStatusCode.OK, consoleFile.StatusCode);
        Assert.Contains(stored.LastName, await consoleFile.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Eventually.TrueAsync(
            async () => (await exports.GetBatchAsync(new GetBatchRequest { BatchId = joint.Id })).Delivery.Status == "Delivered", what: "the push");

        // The learner's rights, over gRPC and the console's search.
        var record = await service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = stored.LearnerId });
        Assert.NotEmpty(record.Completions);
        var privacy = new PrivacyService.PrivacyServiceClient(service.CreateChannel(StaffRoles.PrivacyOfficer));
        var copy = await privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = stored.LearnerId, RequestReference = "DSR-CANARY-1" });
        Assert.Contains(stored.LastName, copy.Document.ToStringUtf8(), StringComparison.Ordinal);
        await privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = stored.LearnerId, RequestReference = "DSR-CANARY-2", FirstName = rectifiedName });
        var (officer, _) = service.CreateBrowser();
        await ConsoleTests.SignInAsync(officer, StaffRoles.PrivacyOfficer);
        Assert.Equal(HttpStatusCode.OK, (await StaffConsole.PrivacyPageTests.FindAsync(officer, stored.LearnerId)).StatusCode);
        await privacy.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = stored.LearnerId, RequestReference = "DSR-CANARY-3" });
        await privacy.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = child.LearnerId, RequestReference = "DSR-CANARY-4" });

        var text = telemetry.Text(service.Services);
        foreach (var canary in canaries)
        {
            Assert.False(text.Contains(canary, StringComparison.OrdinalIgnoreCase), $"'{canary}' is in the telemetry: {Around(text, canary)}");
        }

        AssertTheTelemetryIsThere(telemetry, service.Services);
    }

    private static void AssertTheTelemetryIsThere(CapturedTelemetry telemetry, IServiceProvider services)
    {
        long Sum(string instrument, params (string Key, string Value)[] tags) =>
            telemetry.Points(services, instrument)
                .Where(p => tags.All(t => p.Tags.GetValueOrDefault(t.Key) as string == t.Value))
                .Sum(p => p.Point.GetSumLong());
        long Observations(string instrument, params (string Key, string Value)[] tags) =>
            telemetry.Points(services, instrument)
                .Where(p => tags.All(t => p.Tags.GetValueOrDefault(t.Key) as string == t.Value))
                .Sum(p => p.Point.GetHistogramCount());

        Assert.True(Sum("accreditation.events.consumed") >= 4, "events consumed");
        Assert.Equal(2, Sum("accreditation.events.stored"));
        Assert.Equal(1, Sum("accreditation.events.duplicates"));
        Assert.Equal(1, Sum("accreditation.events.rejected", ("rule", "under-age")));
        Assert.True(Observations("accreditation.ingest.lag", ("publish_time_from", "amqp-timestamp")) >= 2, "lag from the AMQP timestamp");
        Assert.Equal(1, Observations("accreditation.ingest.lag", ("publish_time_from", "sent-time")));
        Assert.Equal(1, Observations("accreditation.batch.rows", ("recipient", Pars)));
        Assert.Equal(1, Observations("accreditation.batch.duration", ("recipient", JointProvider), ("outcome", "created")));
        Assert.Equal(1, Sum("accreditation.downloads", ("via", "api"), ("outcome", "completed")));
        Assert.Equal(1, Sum("accreditation.downloads", ("via", "console"), ("outcome", "completed")));
        Assert.Equal(1, Sum("accreditation.deliveries", ("recipient", JointProvider), ("outcome", "delivered")));
        Assert.Equal(1, Sum("accreditation.delivery.attempts", ("recipient", JointProvider), ("outcome", "failed")));
        Assert.Equal(1, Sum("accreditation.delivery.attempts", ("recipient", JointProvider), ("outcome", "accepted")));
        Assert.Equal(2, Sum("accreditation.audit.entries", ("action", "learner.erase"), ("outcome", "ok")));
        Assert.Equal(2, Sum("accreditation.audit.entries", ("action", "batch.download"), ("outcome", "completed")));
        Assert.Contains(telemetry.Metrics(services), m => m.MeterName == "Npgsql");

        var spans = telemetry.Spans(services);
        Assert.Contains(spans, s => s.Source.Name == "MassTransit" && s.GetTagItem("messaging.operation") as string == "process");
        Assert.Contains(spans, s => s.Source.Name == "Npgsql");
        Assert.Contains(spans, s => s.Source.Name == ServiceMetrics.MeterName && s.OperationName == "export batch");
        Assert.Contains(spans, s => s.GetTagItem("rpc.method") as string == "DownloadBatch" || s.DisplayName.Contains("DownloadBatch", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.Kind == System.Diagnostics.ActivityKind.Client && s.GetTagItem("http.request.method") as string == "POST");

        // Logs carry the trace they were written in.
        Assert.Contains(telemetry.Logs.Lines, l => l.Contains("Rejected event", StringComparison.Ordinal) && l.Contains("TraceId", StringComparison.Ordinal));
    }

    /// <summary>A learner whose every personal field is a canary of its own.</summary>
    private static Canaried Learner(string token, string which, int birthYear, int birthMonth, int birthDay)
    {
        var npi = $"9{Random.Shared.NextInt64(100_000_000, 1_000_000_000)}";
        var first = $"Cnfirst{which}{token}";
        var last = $"Cnlast{which}{token}";
        var email = $"canary-{which}-{token}@example.org";
        var licence = $"LIC{which}{token}";
        var boardId = $"BRD{which}{token}";
        var learnerId = $"learner-{which}-{token}";
        var (eventId, _, json) = SampleEvents.Fresh(e =>
        {
            var learner = e["learner"]!;
            learner["learnerId"] = learnerId;
            learner["firstName"] = first;
            learner["lastName"] = last;
            learner["email"] = email;
            learner["birthYear"] = birthYear;
            learner["birthMonth"] = birthMonth;
            learner["birthDay"] = birthDay;
            learner["npi"] = npi;
            learner["licenseId"] = licence;
            learner["boards"] = new JsonArray(new JsonObject { ["board"] = "ABIM", ["boardId"] = boardId });
            e["assessment"]!["score"] = 87.123;
        });
        var birthDate = new DateOnly(birthYear, birthMonth, birthDay);
        return new Canaried(eventId, learnerId, last, json,
        [
            learnerId, first, last, email, npi, licence, boardId,
            birthDate.ToString("yyyy-MM-dd"), birthDate.ToString("MM/dd/yyyy"), birthDate.ToString("MM/dd"),
        ]);
    }

    private static async Task PublishStampedAsync(RawPublisher publisher, string exchange, JsonObject json)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        };
        await publisher.Channel.BasicPublishAsync(exchange, string.Empty, mandatory: true, properties, Encoding.UTF8.GetBytes(json.ToJson()));
    }

    private static string Around(string text, string canary)
    {
        var at = text.IndexOf(canary, StringComparison.OrdinalIgnoreCase);
        return text[Math.Max(0, at - 300)..Math.Min(text.Length, at + canary.Length + 100)];
    }

    private sealed record Canaried(Guid EventId, string LearnerId, string LastName, JsonObject Json, string[] Canaries);
}

/// <summary>
/// Runs its tests with no other test running. A meter or activity source is matched by name, and
/// every service hosted in the test process has one of each name: counts and spans would mix with
/// those of the services other tests run at the same time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneInTheProcess
{
    public const string Name = "alone in the process";
}
