using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Ready only while the bus consumes: MassTransit's own check calls a bus whose broker is gone
/// "Degraded", which the gRPC health service reports as SERVING, so a probe would keep sending
/// work to an instance that cannot take events off the queue.
/// </summary>
internal sealed class BusReadiness(IBusControl bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(bus.CheckHealth().Status == BusHealthStatus.Healthy
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The bus is not consuming."));
}
