using System.Net;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
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
    private readonly string _environment;
    private readonly Action<IServiceCollection>? _services;
    private readonly ConsumedMessages _consumed = new();

    private ReportingService(
        Dictionary<string, string?> settings, Action<IServiceCollection>? services, string endpointName, string postgres, string? rabbitMq, string environment)
    {
        _environment = environment;
        // The database as its owner: tests look behind the service's back with it, and restart "the
        // same deployment" from it. The service itself connects as the service role.
        _settings = settings;
        _services = services;
        EndpointName = endpointName;
        PostgresConnectionString = postgres;
        RabbitMqUri = rabbitMq;
        Database = new ServiceDatabase(postgres);
    }

    public string EndpointName { get; }

    public string PostgresConnectionString { get; }

    public string? RabbitMqUri { get; }

    /// <summary>CourseCompleted events the service finished consuming (successfully or not).</summary>
    public ConsumedMessages Consumed => _consumed;

    /// <summary>What the service committed: tests wait on this rather than on in-process notifications.</summary>
    public ServiceDatabase Database { get; }

    /// <summary>
    /// Starts an instance. Pass <paramref name="postgres"/> and <paramref name="endpointName"/> of an
    /// earlier instance to restart "the same deployment" with other <paramref name="settings"/>.
    /// <paramref name="services"/> replaces services after the service's own registrations (a
    /// FakeTimeProvider for the clock).
    /// </summary>
    public static async Task<ReportingService> StartAsync(
        bool useRabbitMq = true, IReadOnlyDictionary<string, string?>? settings = null, string? postgres = null, string? endpointName = null,
        Action<IServiceCollection>? services = null, string environment = "Development")
    {
        postgres ??= await TestPostgres.CreateDatabaseAsync();
        var rabbitMq = useRabbitMq ? await TestRabbitMq.AmqpUriAsync() : null;
        endpointName ??= $"course-completed-test-{Guid.NewGuid():N}";
        var all = new Dictionary<string, string?>(TestTokens.Settings)
        {
            ["ConnectionStrings:Postgres"] = TestPostgres.AsServiceRole(postgres),
            ["ConnectionStrings:PostgresMigrations"] = postgres,
            ["ConnectionStrings:RabbitMq"] = rabbitMq ?? string.Empty,
            ["Ingestion:EndpointName"] = endpointName,
            ["Logging:LogLevel:Default"] = "Warning",

            // An address of its own, so Development's embedded ports (5000, 5080) stay out of the
            // suite; the listeners below replace it (Kestrel says so, hence its level).
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Error",

            // The README's example activity is jointly provided with "CME Consultants".
            ["JointProviders:cme-consultants:Name"] = "CME Consultants",

            // The walk over every method is refused hundreds of times from one loopback peer.
            ["Audit:RefusedCallsPerPeerPerMinute"] = "100000",
        };
        // A null value leaves the setting out altogether (a default of the fixture's the test does not want).
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                all.Remove(key);
            }
            else
            {
                all[key] = value;
            }
        }

        var service = new ReportingService(all, services, endpointName, postgres, rabbitMq, environment);
        // gRPC's HTTP/2 first, then the console's HTTP/1.1 for a real browser: as Development listens.
        service.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        await Task.Run(service.StartServer);
        service.Services.GetRequiredService<IBus>().ConnectReceiveObserver(service._consumed);
        return service;
    }

    /// <summary>Where gRPC is served (HTTP/2 with prior knowledge).</summary>
    public Uri Address => new(Addresses[0]);

    /// <summary>Where a browser reaches the console (HTTP/1.1).</summary>
    public Uri ConsoleAddress => new(Addresses[1]);

    private IReadOnlyList<string> Addresses => [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];

    /// <summary>A channel whose calls carry a token for <paramref name="roles"/> (every role when none are named).</summary>
    /// <summary>
    /// Stops the service and closes the idle connections its pools keep (they would otherwise stay
    /// open until Npgsql prunes them, and the suite's many services would use up the server's slots).
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    public GrpcChannel CreateChannel(params string[] roles) => CreateChannelWithToken(TestTokens.For(roles.Length > 0 ? roles : [.. StaffRoles.All]));

    /// <summary>A channel whose calls carry <paramref name="bearerToken"/> as given; none when null.</summary>
    public GrpcChannel CreateChannelWithToken(string? bearerToken)
    {
        if (bearerToken is null)
        {
            return GrpcChannel.ForAddress(Address);
        }

        var token = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("Authorization", $"Bearer {bearerToken}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            // Loopback HTTP/2 in tests; a deployment serves TLS.
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, token),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    /// <summary>
    /// A browser without a browser: plain HTTP requests to the console that keep its cookies and
    /// follow its redirects (HTTP/2 with prior knowledge, the only protocol the test listener speaks).
    /// </summary>
    public (HttpClient Client, CookieContainer Cookies) CreateBrowser()
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = true })
        {
            BaseAddress = Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        return (client, cookies);
    }

    public CompletionService.CompletionServiceClient CompletionClient() => new(CreateChannel());

    public IngestionService.IngestionServiceClient IngestionClient() => new(CreateChannel());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}
