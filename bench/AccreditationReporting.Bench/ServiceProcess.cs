using System.Diagnostics;
using System.Globalization;
using AccreditationReporting.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using RabbitMQ.Client;

namespace AccreditationReporting.Bench;

/// <summary>
/// The service as production runs it: its own process (`dotnet AccreditationReporting.dll run`),
/// Production environment, logging at Warning so console output costs nothing measurable.
/// Like a deployment it connects as the service's own database role, after a separate
/// <c>migrate</c> step as the owning role, and validates bearer tokens on every gRPC call (offline
/// keys of its own, <see cref="BenchTokens"/>). Its output goes to a log file, whose tail is shown when it dies.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    public const string Exchange = "course-completed";
    public const string Queue = "course-completed";
    private const string MarkerVariable = "ACCREDITATION_BENCH_SERVICE";

    private readonly Process _process;
    private readonly TextWriter _log;
    private readonly BenchTokens _tokens;

    private ServiceProcess(Process process, TextWriter log, BenchTokens tokens, string logPath, Uri address)
    {
        _process = process;
        _log = log;
        _tokens = tokens;
        LogPath = logPath;
        Address = address;
    }

    public int Pid => _process.Id;

    /// <summary>Where its gRPC API listens (HTTP/2 without TLS).</summary>
    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    public string LogPath { get; }

    /// <param name="postgres">The service role's connection string (<see cref="BenchDatabase.Service"/>), migrated already.</param>
    /// <param name="tokens">The deployment's identity provider and audit chain key; shared by the instances of one deployment.</param>
    public static ServiceProcess Start(string serviceDll, string postgres, string amqpUri, string logPath, BenchTokens? tokens = null)
    {
        var address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        var marker = Guid.NewGuid().ToString("N");
        tokens ??= new BenchTokens();
        var start = StartInfo(serviceDll, "run", postgres, amqpUri, address);
        foreach (var (name, value) in tokens.EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        start.Environment[MarkerVariable] = marker;

        // Never leave a service consuming from the broker if the bench is killed mid-run; the marker
        // finds exactly this process even after its pid is reused.
        OrphanWatchdog.RunWhenThisProcessEnds(
            $"for p in $(grep -las '{MarkerVariable}={marker}' /proc/[0-9]*/environ | cut -d/ -f3); do kill -9 $p; done");

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = TextWriter.Synchronized(new StreamWriter(logPath) { AutoFlush = true });
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, log, tokens, logPath, address);
    }

    /// <summary>
    /// A channel to <see cref="Address"/> whose calls carry a bearer token for <paramref name="roles"/>,
    /// minted per call, in the Authorization header as any client sends it. Plain HTTP/2 on loopback,
    /// which the service allows; call credentials need the unsafe switch without TLS.
    /// </summary>
    public GrpcChannel CreateChannel(string subject, string name, params string[] roles)
    {
        var bearer = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("Authorization", $"Bearer {_tokens.Mint(subject, name, roles)}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    /// <summary>
    /// The deployment's separate <c>migrate</c> step: the schema, as the owning role, then the service
    /// role's grants (the user of <c>ConnectionStrings:Postgres</c>), and nothing running afterwards.
    /// </summary>
    public static async Task MigrateAsync(string serviceDll, BenchDatabase database, string amqpUri)
    {
        var start = StartInfo(serviceDll, "migrate", database.Service, amqpUri, new Uri("http://127.0.0.1:0"));
        start.Environment["ConnectionStrings__PostgresMigrations"] = database.Owner;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service's migrate step.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The service's migrate step exited with code {process.ExitCode}.\n{await output}{await error}");
        }
    }

    private static ProcessStartInfo StartInfo(string serviceDll, string verb, string postgres, string amqpUri, Uri address)
    {
        if (!File.Exists(serviceDll))
        {
            throw new FileNotFoundException($"No service build at {serviceDll}: build the bench project, or pass --service-dll.");
        }

        return new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { serviceDll, verb },

            // The content root, where appsettings.json is.
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ConnectionStrings__Postgres"] = postgres,
                ["ConnectionStrings__RabbitMq"] = amqpUri,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = address.GetLeftPart(UriPartial.Authority),
                ["Logging__LogLevel__Default"] = "Warning",

                // The seeded activities are jointly provided with "CME Consultants".
                ["JointProviders__cme-consultants__Name"] = "CME Consultants",
            },
        };
    }

    /// <summary>
    /// Up means: schema migrated, and the endpoint consuming. A consumer on the queue implies the
    /// exchange, queue and binding all exist (MassTransit binds before it consumes); the exchange
    /// alone is not enough, as it outlives the service from one run to the next.
    /// </summary>
    /// <param name="consumers">Consumers the queue must have: one per instance already started, this one included.</param>
    public async Task WaitUntilReadyAsync(string postgres, string amqpUri, TimeSpan timeout, int consumers = 1)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var deadline = DateTime.UtcNow + timeout;
        while (!(await TableExistsAsync(postgres) && await ConsumingAsync(connection, consumers)))
        {
            ThrowIfExited();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The service was not ready within {timeout.TotalSeconds:0} s.\n{Tail()}");
            }

            await Task.Delay(250);
        }
    }

    public void ThrowIfExited()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"The service exited with code {_process.ExitCode}.\n{Tail()}");
        }
    }

    public string Tail(int lines = 40)
    {
        _log.Flush();
        var all = File.ReadAllLines(LogPath);
        return $"--- last {Math.Min(lines, all.Length)} lines of {LogPath} ---\n" + string.Join('\n', all.TakeLast(lines));
    }

    private static async Task<bool> TableExistsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass('accreditation.processed_events') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> ConsumingAsync(IConnection connection, int consumers)
    {
        // A failed passive declare closes its channel, hence a channel per attempt.
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.ExchangeDeclarePassiveAsync(Exchange);
            return (await channel.QueueDeclarePassiveAsync(Queue)).ConsumerCount >= consumers;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM for a graceful stop as an orchestrator would send; a kill if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(35));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }
}
