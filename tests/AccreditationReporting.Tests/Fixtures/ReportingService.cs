using System.Net;
using AccreditationReporting.Api.V1;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// The real service (its own Program), listening with Kestrel on a loopback port, on its own
/// database and its own receive endpoint, so test classes can run side by side.
/// </summary>
public sealed class ReportingService : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly ConsumedMessages _consumed = new();

    private ReportingService(Dictionary<string, string?> settings, string endpointName, string postgres, string? rabbitMq)
    {
        _settings = settings;
        EndpointName = endpointName;
        PostgresConnectionString = postgres;
        RabbitMqUri = rabbitMq;
    }

    public string EndpointName { get; }

    public string PostgresConnectionString { get; }

    public string? RabbitMqUri { get; }

    /// <summary>Completion events the service finished consuming (successfully or not).</summary>
    public ConsumedMessages Consumed => _consumed;

    public static async Task<ReportingService> StartAsync(bool useRabbitMq = true)
    {
        var postgres = await TestPostgres.CreateDatabaseAsync();
        var rabbitMq = useRabbitMq ? await TestRabbitMq.AmqpUriAsync() : null;
        var endpointName = $"course-completed-test-{Guid.NewGuid():N}";
        var service = new ReportingService(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = postgres,
                ["ConnectionStrings:RabbitMq"] = rabbitMq ?? string.Empty,
                ["Ingestion:EndpointName"] = endpointName,
                ["Logging:LogLevel:Default"] = "Warning",
            },
            endpointName,
            postgres,
            rabbitMq);
        service.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        await Task.Run(service.StartServer);
        service.Services.GetRequiredService<IBus>().ConnectConsumeObserver(service._consumed);
        return service;
    }

    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Address);

    public CompletionService.CompletionServiceClient CompletionClient() => new(CreateChannel());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
