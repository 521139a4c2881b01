using System.Collections.Concurrent;
using System.Net;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccreditationReporting.Tests.Observability;

/// <summary>With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, traces, metrics and logs go to that collector.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task WithAnOtlpEndpointSetTracesMetricsAndLogsReachTheCollector()
    {
        await using var collector = await Collector.StartAsync();
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: false,
            settings: new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                // Sooner than the defaults (5 s for spans, 1 s for logs, 60 s for metrics), so the test is short.
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["Logging:LogLevel:Default"] = "Information",
            });
        var (eventId, _, json) = SampleEvents.Fresh();
        await new ExportServiceFixtureOver(service).StoreAsync(json);
        await service.CompletionClient().GetLearnerRecordAsync(new AccreditationReporting.Api.V1.GetLearnerRecordRequest { LearnerId = (string)json["learner"]!["learnerId"]! });

        await Eventually.TrueAsync(
            () => Task.FromResult(new[] { "/v1/traces", "/v1/metrics", "/v1/logs" }.All(collector.Paths.Contains)),
            what: $"traces, metrics and logs at the collector (got {string.Join(", ", collector.Paths.Distinct())}, event {eventId})");
    }

    /// <summary>An OTLP/HTTP receiver that only notes where each export went.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Collector()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
            _app = builder.Build();
            _app.MapPost("/v1/{signal}", (HttpContext context) =>
            {
                Paths.Add(context.Request.Path.Value!);
                return Results.Ok();
            });
        }

        public ConcurrentBag<string> Paths { get; } = [];

        public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        public static async Task<Collector> StartAsync()
        {
            var collector = new Collector();
            await collector._app.StartAsync();
            return collector;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
