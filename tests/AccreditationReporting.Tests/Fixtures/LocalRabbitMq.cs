using System.Diagnostics;
using AccreditationReporting.Hosting;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// A throwaway RabbitMQ node in a temporary directory (Debian's rabbitmq-server; the test command
/// installs it). The server script drops to the <c>rabbitmq</c> user, so everything it writes is
/// owned by that user.
/// </summary>
internal sealed class LocalRabbitMq : IAsyncDisposable
{
    private const string ServerScript = "/usr/sbin/rabbitmq-server";
    private readonly Process _process;
    private readonly string _directory;

    private readonly string _stopCommand;

    private LocalRabbitMq(Process process, string directory, int port, string nodeName)
    {
        _process = process;
        _directory = directory;
        AmqpUri = $"amqp://guest:guest@127.0.0.1:{port}/";
        _stopCommand = StopCommand(nodeName, directory);
    }

    /// <summary>
    /// The server script hands over to the rabbitmq user through su, so the node is not in this
    /// process's tree: find its processes by the node name in their environment (sparing epmd,
    /// which other nodes on the machine share).
    /// </summary>
    private static string StopCommand(string nodeName, string directory) =>
        $"for p in $(grep -las 'RABBITMQ_NODENAME={nodeName}' /proc/[0-9]*/environ | cut -d/ -f3); do "
        + "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = epmd ] || kill -9 $p 2>/dev/null; done; "
        + $"rm -rf '{directory}'";

    public string AmqpUri { get; }

    public static async Task<LocalRabbitMq> StartAsync()
    {
        if (!File.Exists(ServerScript))
        {
            throw new InvalidOperationException(
                $"{ServerScript} is missing: run the README's test command (it installs rabbitmq-server) or set {TestRabbitMq.EnvironmentVariable}.");
        }

        var directory = Directory.CreateTempSubdirectory("accreditation-rabbitmq-").FullName;
        var ports = LoopbackPort.Free(2);
        var (port, distributionPort) = (ports[0], ports[1]);
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\n");
        if (Environment.IsPrivilegedProcess)
        {
            using var chown = Process.Start("chown", ["-R", "rabbitmq:rabbitmq", directory]);
            await chown.WaitForExitAsync();
        }

        var nodeName = $"accreditation{port}@localhost";
        OrphanWatchdog.RunWhenThisProcessEnds(StopCommand(nodeName, directory));
        var start = new ProcessStartInfo(ServerScript)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
                ["RABBITMQ_NODENAME"] = nodeName,
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq"),
                ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RABBITMQ_FEATURE_FLAGS_FILE"] = Path.Combine(directory, "feature_flags"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start rabbitmq-server.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new LocalRabbitMq(process, directory, port, nodeName);
        try
        {
            await node.WaitUntilAcceptingAsync(TimeSpan.FromSeconds(90));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var factory = new ConnectionFactory { Uri = new Uri(AmqpUri) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_process.ExitCode}; see logs in {_directory}/log.");
            }

            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = Process.Start("/bin/sh", ["-c", _stopCommand]);
        await stop.WaitForExitAsync();
        _process.Dispose();
    }
}
