using System.Diagnostics;
using AccreditationReporting.Hosting;

namespace AccreditationReporting.Storage;

/// <summary>
/// A throwaway PostgreSQL server in a temporary directory, for running the service on embedded
/// defaults and for test fixtures on machines without Docker. Uses the server binaries on PATH
/// (initdb, pg_ctl), dropping to the <c>postgres</c> user when run as root, because initdb refuses root.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _dataDirectory;
    private readonly bool _asPostgresUser;
    private readonly string _discardCommand;

    private LocalPostgres(string directory, int port, bool asPostgresUser)
    {
        _directory = directory;
        _dataDirectory = Path.Combine(directory, "data");
        _asPostgresUser = asPostgresUser;
        Port = port;

        // One way to stop and delete the server, whether this process disposes it or a watchdog
        // does after this process is gone.
        _discardCommand = (asPostgresUser ? "runuser -u postgres -- " : string.Empty)
            + $"'{FindTool("pg_ctl")}' -D '{_dataDirectory}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{directory}'";
    }

    public int Port { get; }

    /// <summary>The server's command-line settings (port, socket directory, durability), reused by a restart.</summary>
    private string _settings = "";

    /// <summary>The server's superuser, for fixtures and benchmarks that set up databases.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>The role that owns the service's database and schema: migrations run as it.</summary>
    public string OwnerConnectionString => $"Host=127.0.0.1;Port={Port};Username={DatabaseRoles.Owner};Database={DatabaseName}";

    /// <summary>The service's own login role: rows only (see <see cref="DatabaseRoles"/>).</summary>
    public string ServiceConnectionString => $"Host=127.0.0.1;Port={Port};Username={DatabaseRoles.Service};Database={DatabaseName}";

    private const string DatabaseName = "accreditation";

    /// <param name="durable">
    /// False turns off fsync: fine for a server whose data is thrown away; benchmarks pass true.
    /// </param>
    public static async Task<LocalPostgres> StartAsync(bool durable = false, CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory("accreditation-pg-").FullName;
        var asPostgresUser = Environment.IsPrivilegedProcess;
        var server = new LocalPostgres(directory, LoopbackPort.Free(), asPostgresUser);
        try
        {
            if (asPostgresUser)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", directory], asPostgresUser: false, cancellationToken);
            }

            await server.RunAsync("initdb", ["-D", server._dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], cancellationToken);
            var settings = server._settings = $"-p {server.Port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=500"
                + (durable ? string.Empty : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            OrphanWatchdog.RunWhenThisProcessEnds(server._discardCommand);
            await server.RunAsync("pg_ctl", ["-D", server._dataDirectory, "-o", settings, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "start"], cancellationToken);
            await DatabaseRoles.CreateAsync(server.ConnectionString, DatabaseName, password: null, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var discard = Process.Start("/bin/sh", ["-c", _discardCommand]);
        await discard.WaitForExitAsync();
    }

    /// <summary>Stops the server without deleting its data, as a crash or an outage would.</summary>
    public Task StopAsync() => RunAsync("pg_ctl", ["-D", _dataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None);

    public Task RestartAsync() =>
        RunAsync("pg_ctl", ["-D", _dataDirectory, "-o", _settings, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start"], CancellationToken.None);

    private Task RunAsync(string tool, string[] arguments, CancellationToken cancellationToken) =>
        RunAsync(FindTool(tool), arguments, _asPostgresUser, cancellationToken);

    private static async Task RunAsync(string file, string[] arguments, bool asPostgresUser, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgresUser)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }

    private static string FindTool(string name)
    {
        var fromPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        if (fromPath is not null)
        {
            return fromPath;
        }

        // Debian keeps server binaries off PATH by default.
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Order().Select(d => Path.Combine(d, "bin", name)).LastOrDefault(File.Exists)
            : null;
        return debian ?? throw new InvalidOperationException(
            $"No '{name}' found on PATH or under /usr/lib/postgresql: install the PostgreSQL server or set ConnectionStrings__Postgres.");
    }
}
