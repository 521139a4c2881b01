using System.Diagnostics;
using MassTransit.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AccreditationReporting.Hosting;

/// <summary>
/// Traces, metrics and logs with OpenTelemetry, as dotnet/eShop's service defaults wire them: the
/// providers are always there (so a test or a collector can attach), and send to an OTLP collector
/// only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The SDK reads its other standard variables
/// itself (<c>OTEL_SERVICE_NAME</c>, <c>OTEL_TRACES_SAMPLER</c>, <c>OTEL_SDK_DISABLED</c>, ...).
/// Without a collector no span is recorded unless <c>OTEL_TRACES_SAMPLER</c> asks for them: a span
/// for every message and statement with nowhere to go is work for nothing.
/// </summary>
public static class ServiceTelemetry
{
    public const string ServiceName = "accreditation-reporting";

    /// <summary>The service's own spans: work that is not one library's call (a batch of events stored).</summary>
    public static readonly ActivitySource Source = new(ServiceMetrics.MeterName);

    public static IHostApplicationBuilder AddServiceTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ServiceMetrics>();

        // Every log line carries the trace and span it was written in, through any provider that reads scopes.
        builder.Logging.Configure(logging =>
            logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object a line, with the template's values and the trace scope, for a log
            // collector to index; Development keeps the plain console a person reads.
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var recordSpans = otlp || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_TRACES_SAMPLER"]);

        // A name given in code would win over the standard variable; give ours only when it is not set.
        var named = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!named)
                {
                    resource.AddService(ServiceName);
                }
            })
            .WithTracing(tracing => (recordSpans ? tracing : tracing.SetSampler(new AlwaysOffSampler()))
                .AddSource(Source.Name)
                // MassTransit's own spans: each message received and consumed, and what it publishes.
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes every few seconds would bury the calls that matter.
                    aspNetCore.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !IsGrpcHealth(http))
                .AddHttpClientInstrumentation()
                // Each command, with its SQL text (values are parameters, never in the text) and no parameter values.
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(ServiceMetrics.MeterName)
                .AddMeter(DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("Npgsql")
                // The runtime's own meter (.NET 9 and later): GC, thread pool, memory.
                .AddMeter("System.Runtime"));
        if (otlp)
        {
            // Logs go to the collector too, with their scopes (the trace context among them).
            telemetry
                .WithLogging(configureBuilder: null, configureOptions: logging =>
                {
                    logging.IncludeScopes = true;
                    logging.IncludeFormattedMessage = true;
                })
                .UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsGrpcHealth(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/grpc.health.v1.Health");
}
