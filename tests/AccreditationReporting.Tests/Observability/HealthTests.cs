using System.Net;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Health.V1;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace AccreditationReporting.Tests.Observability;

/// <summary>
/// Liveness says the process answers; readiness says it can work (PostgreSQL and the bus). Asked
/// as an orchestrator asks: HTTP/1.1 GETs without a token, and gRPC health checks by service name.
/// </summary>
public sealed class HealthTests
{
    [Fact]
    public async Task WhilePostgreSqlIsStoppedTheServiceIsNotReadyButStaysLiveAndIsReadyAgainWhenItReturns()
    {
        // A server of its own: this test stops it, which no other test may see.
        await using var postgres = await LocalPostgres.StartAsync();
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, postgres: postgres.OwnerConnectionString);
        using var http = Http1(service);
        var health = new Health.HealthClient(GrpcChannel.ForAddress(service.Address));

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, ServiceDefaults.ReadyPath));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, ServiceDefaults.LivePath));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ServiceDefaults.ReadinessService));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ServiceDefaults.LivenessService));

        await postgres.StopAsync();

        // The status word alone: nothing says which check failed or why.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetAsync(http, ServiceDefaults.ReadyPath));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, ServiceDefaults.LivePath));
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ""));
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ServiceDefaults.ReadinessService));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ServiceDefaults.LivenessService));

        await postgres.RestartAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        await Eventually.TrueAsync(async () => (await GetAsync(http, ServiceDefaults.ReadyPath)).Status == HttpStatusCode.OK, what: "ready again");
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
    }

    [Fact]
    public async Task WhileTheBrokerIsDownTheServiceIsNotReadyButStaysLive()
    {
        // A node of its own: this test kills it.
        var broker = await LocalRabbitMq.StartAsync();
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = broker.AmqpUri });
        using var http = Http1(service);
        var health = new Health.HealthClient(GrpcChannel.ForAddress(service.Address));
        await Eventually.TrueAsync(async () => (await GetAsync(http, ServiceDefaults.ReadyPath)).Status == HttpStatusCode.OK, what: "ready on the broker");

        await broker.DisposeAsync();

        await Eventually.TrueAsync(
            async () => await GetAsync(http, ServiceDefaults.ReadyPath) is (HttpStatusCode.ServiceUnavailable, "Unhealthy"),
            what: "not ready without the broker");
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ""));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, ServiceDefaults.LivePath));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ServiceDefaults.LivenessService));
    }

    [Fact]
    public async Task ProbesWriteNothingToTheAuditTrailNorTracesAndAnUnknownHealthServiceNameIsNotFound()
    {
        var telemetry = new CapturedTelemetry();
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, services: telemetry.Register);
        var health = new Health.HealthClient(GrpcChannel.ForAddress(service.Address));
        using var http = Http1(service);
        var entries = await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ServiceDefaults.LivenessService));
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, ServiceDefaults.ReadyPath)).Status);
        }

        // Orchestrators probe every few seconds: an entry or a trace each would bury the ones that matter.
        Assert.Equal(entries, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events"));
        Assert.DoesNotContain(telemetry.Spans(service.Services), s => s.DisplayName.Contains("health", StringComparison.OrdinalIgnoreCase)
            || (s.GetTagItem("url.path") as string ?? "").Contains("health", StringComparison.OrdinalIgnoreCase));

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "postgres" }).ResponseAsync);

        // A probe that names a check instead of liveness or readiness fails loudly rather than passing.
        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);
    }

    /// <summary>HTTP/1.1, as Kubernetes' HTTP probes and most load balancers speak, on the console's listener; no token.</summary>
    private static HttpClient Http1(ReportingService service) => new()
    {
        BaseAddress = service.ConsoleAddress,
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<ServingStatus> StatusAsync(Health.HealthClient health, string service) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service })).Status;
}
