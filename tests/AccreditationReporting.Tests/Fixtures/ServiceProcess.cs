using System.Diagnostics;
using AccreditationReporting.Access;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// The real service as a deployment runs it: its own process (<c>dotnet AccreditationReporting.dll
/// run</c>) in Production, configured only by environment variables (connection strings, the test
/// run's token settings and audit chain key, gRPC on a free loopback port), after the deployment's
/// separate <c>migrate</c> step as the owning role. It can be killed as a crash would (SIGKILL, no
/// shutdown code runs) and started again on the same database, broker and port. Its output, across
/// every start, goes to one log file that tests read.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const string MarkerVariable = "ACCREDITATION_TEST_SERVICE";
    private static readonly string ServiceDll = Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll");

    private readonly Dictionary<string, string?> _environment;
    private readonly string _marker = Guid.NewGuid().ToString("N");
    private readonly Lock _logLock = new();
    private readonly StreamWriter _log;
    private Process? _process;

    private ServiceProcess(string ownerPostgres, Dictionary<string, string?> environment, Uri address, string logPath)
    {
        OwnerPostgres = ownerPostgres;
        _environment = environment;
        Address = address;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        Database = new ServiceDatabase(ownerPostgres);

        // Never leave a service consuming from a broker after the test host is gone, however it ends;
        // the marker finds exactly this service's processes, whichever start they are from.
        OrphanWatchdog.RunWhenThisProcessEnds(
            $"for p in $(grep -las '{MarkerVariable}={_marker}' /proc/[0-9]*/environ | cut -d/ -f3); do kill -9 $p; done");
    }

    /// <summary>Where gRPC listens (HTTP/2 without TLS, on loopback): the same port after every restart.</summary>
    public Uri Address { get; }

    public string LogPath { get; }

    /// <summary>The database as its owner, for looking behind the service's back.</summary>
    public string OwnerPostgres { get; }

    public ServiceDatabase Database { get; }

    /// <summary>Starts, including the first.</summary>
    public int Starts { get; private set; }

    /// <summary>SIGKILLs sent.</summary>
    public int Kills { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Migrates <paramref name="ownerPostgres"/>'s database (the <c>migrate</c> verb, as the owner) and
    /// starts the service on it as the service role, waiting until it serves.
    /// </summary>
    /// <param name="settings">See <see cref="Deployment"/>.</param>
    public static async Task<ServiceProcess> StartAsync(
        string ownerPostgres, string amqpUri, IReadOnlyDictionary<string, string?>? settings = null, string? name = null)
    {
        var address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        var environment = Deployment(ownerPostgres, amqpUri, settings);
        environment["ASPNETCORE_URLS"] = address.GetLeftPart(UriPartial.Authority);
        var directory = Directory.CreateTempSubdirectory("accreditation-service-").FullName;
        var service = new ServiceProcess(ownerPostgres, environment, address, Path.Combine(directory, $"{name ?? "service"}.log"));
        await MigrateAsync(ownerPostgres, environment);
        await service.StartAsync();
        return service;
    }

    /// <summary>
    /// A deployment's environment for the service role on <paramref name="ownerPostgres"/>'s database:
    /// the connection strings, the test run's token settings and audit chain key, then <paramref name="settings"/>
    /// (configuration keys such as <c>Ingestion:QueueType</c>, or environment names; a null value removes one).
    /// </summary>
    public static Dictionary<string, string?> Deployment(string ownerPostgres, string amqpUri, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = TestPostgres.AsServiceRole(ownerPostgres),
            ["ConnectionStrings__RabbitMq"] = amqpUri,
            ["Logging__LogLevel__Default"] = "Warning",
            ["JointProviders__cme-consultants__Name"] = "CME Consultants",
        };
        foreach (var (key, value) in TestTokens.Settings)
        {
            environment[EnvironmentName(key)] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[EnvironmentName(key)] = value;
        }

        return environment;
    }

    /// <summary>The deployment's <c>migrate</c> step: the schema as the owning role, then the service role's grants.</summary>
    public static async Task MigrateAsync(string ownerPostgres, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var migrate = new Dictionary<string, string?>(environment ?? Deployment(ownerPostgres, "amqp://unused/"))
        {
            ["ConnectionStrings__PostgresMigrations"] = ownerPostgres,
            ["Database__ServiceRole"] = DatabaseRoles.Service,
        };
        var (exit, output, errors) = await RunToExitAsync(["migrate"], migrate);
        if (exit != 0)
        {
            throw new InvalidOperationException($"The migrate step exited with {exit}:\n{errors}{output}");
        }
    }

    /// <summary>Runs the service once with <paramref name="arguments"/> and these settings, to its exit (a verb, or a start that must fail).</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunToExitAsync(
        string[] arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        return await ProcessRun.ToExitAsync(
            StartInfo(arguments, environment.ToDictionary(e => EnvironmentName(e.Key), e => e.Value), marker: null), timeout);
    }

    /// <summary>Starts the process and waits until gRPC health says SERVING (the bus has started by then: the host waits for it).</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The service is running already.");
        }

        Starts++;
        Write($"--- start {Starts} at {DateTimeOffset.UtcNow:O} ---");
        var process = Process.Start(StartInfo(["run"], _environment, _marker)) ?? throw new InvalidOperationException("Could not start the service.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Write(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Write(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilServingAsync(timeout ?? TimeSpan.FromSeconds(90));
    }

    /// <summary>SIGKILL, as the kernel's OOM killer or a lost machine would: no shutdown code runs, nothing is acknowledged.</summary>
    public void Kill()
    {
        if (_process is not { } process || process.HasExited)
        {
            throw new InvalidOperationException("The service is not running.");
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Kills++;
        Write($"--- killed (SIGKILL) at {DateTimeOffset.UtcNow:O} ---");
    }

    /// <summary>Kills the service if it runs, and starts it again on the same database, broker and port.</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            Kill();
        }

        await StartAsync();
    }

    /// <summary>Everything the service wrote so far, over every start.</summary>
    public string Log()
    {
        lock (_logLock)
        {
            _log.Flush();
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd();
        }
    }

    /// <summary>The end of the log, for a failure's message.</summary>
    public string Tail(int lines = 40) =>
        $"--- last lines of {LogPath} ---\n" + string.Join('\n', Log().Split('\n').TakeLast(lines));

    /// <summary>A channel whose calls carry a token for <paramref name="roles"/> (every role when none are named).</summary>
    public GrpcChannel CreateChannel(params string[] roles)
    {
        var token = TestTokens.For(roles.Length > 0 ? roles : [.. StaffRoles.All]);
        var bearer = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("Authorization", $"Bearer {token}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            _process!.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }

        Directory.Delete(Path.GetDirectoryName(LogPath)!, recursive: true);
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {_process.ExitCode} while starting.\n{Tail()}");
            }

            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                if (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The service did not serve within {timeout.TotalSeconds:0} s.\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    private void Write(string line)
    {
        lock (_logLock)
        {
            _log.WriteLine(line);
        }
    }

    /// <summary>Configuration keys as environment variables name them (<c>Ingestion:QueueType</c> → <c>Ingestion__QueueType</c>).</summary>
    private static string EnvironmentName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>A deployment's environment: Production, and none of the developer's or the test run's settings.</summary>
    internal static ProcessStartInfo StartInfo(string[] arguments, IReadOnlyDictionary<string, string?> environment, string? marker = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServiceDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys
            .Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal))
            .ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (marker is not null)
        {
            start.Environment[MarkerVariable] = marker;
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        return start;
    }
}
