using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AccreditationReporting.Hosting;

/// <summary>What every deployment of the service has: a clock, telemetry, health and (in development) reflection.</summary>
public static class ServiceDefaults
{
    /// <summary>Checks that say the process can still answer: nothing outside it, so a database outage never restarts it.</summary>
    public const string LiveTag = "live";

    /// <summary>Checks that say it can do its work: PostgreSQL and the bus.</summary>
    public const string ReadyTag = "ready";

    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>The gRPC health service's name for liveness; the overall status ("") and <c>readiness</c> are readiness.</summary>
    public const string LivenessService = "liveness";
    public const string ReadinessService = "readiness";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceTelemetry();

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddGrpcHealthChecks(grpc =>
        {
            // Kubernetes' gRPC probes name a service: "" (and "readiness") for readiness, "liveness" for liveness.
            grpc.Services.Clear();
            grpc.Services.Map("", check => check.Tags.Contains(ReadyTag));
            grpc.Services.Map(ReadinessService, check => check.Tags.Contains(ReadyTag));
            grpc.Services.Map(LivenessService, check => check.Tags.Contains(LiveTag));
        });
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Load balancers and orchestrators probe without a token; health reveals nothing else.
        app.MapGrpcHealthChecksService().AllowAnonymous();

        // The same over plain HTTP for probes that speak HTTP/1.1 (an endpoint with Http1 or
        // Http1AndHttp2): anonymous for the same reason, and the body is the status word alone
        // (Healthy, Degraded, Unhealthy), never which check failed or why.
        app.MapHealthChecks(LivePath, Probe(LiveTag)).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, Probe(ReadyTag)).AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            // Development only: lets grpcurl list the methods; calling them still needs a token.
            app.MapGrpcReflectionService().AllowAnonymous();
        }

        return app;
    }

    private static HealthCheckOptions Probe(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            // No readiness check reports Degraded (MassTransit's own, which does, is left out); one
            // that ever does is not ready to take work.
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };
}
