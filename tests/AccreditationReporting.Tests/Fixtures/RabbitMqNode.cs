using System.Diagnostics;
using System.Globalization;
using AccreditationReporting.Hosting;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// A throwaway RabbitMQ node of a test's own (Debian's rabbitmq-server, as <see cref="LocalRabbitMq"/>),
/// which the test may stop, kill and start again on the same data, or join to a cluster
/// (<see cref="RabbitMqCluster"/>). Tests that take a broker away need one of their own: the shared
/// one serves every other test.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/sbin/rabbitmq-server";
    private const string ControlScript = "/usr/sbin/rabbitmqctl";

    private readonly string _directory;
    private readonly int _distributionPort;
    private Process? _server;

    private RabbitMqNode(string directory, int port, int distributionPort)
    {
        _directory = directory;
        _distributionPort = distributionPort;
        Port = port;
        NodeName = $"accreditation{port}@localhost";
        OrphanWatchdog.RunWhenThisProcessEnds($"{KillCommand}; rm -rf '{directory}'");
    }

    /// <summary>The Erlang node name (<c>rabbitmqctl -n</c>).</summary>
    public string NodeName { get; }

    public int Port { get; }

    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public string HostAndPort => $"127.0.0.1:{Port}";

    public bool IsRunning { get; private set; }

    /// <summary>
    /// The server script hands over to the rabbitmq user through su, so the node is not in this
    /// process's tree: its processes are found by the node name in their environment (sparing epmd,
    /// which every node on the machine shares).
    /// </summary>
    private string KillCommand =>
        $"for p in $(grep -las 'RABBITMQ_NODENAME={NodeName}' /proc/[0-9]*/environ | cut -d/ -f3); do "
        + "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = epmd ] || kill -9 $p 2>/dev/null; done";

    public static async Task<RabbitMqNode> StartAsync()
    {
        if (!File.Exists(ServerScript))
        {
            throw new InvalidOperationException($"{ServerScript} is missing: run the README's test command (it installs rabbitmq-server).");
        }

        var directory = Directory.CreateTempSubdirectory("accreditation-rabbitmq-node-").FullName;
        var ports = LoopbackPort.Free(2);
        var node = new RabbitMqNode(directory, ports[0], ports[1]);
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{node.Port}\n");
        if (System.Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", "rabbitmq:rabbitmq", directory]);
        }

        try
        {
            await node.StartAgainAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the node on its data (the first start, or after a stop or a kill) and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(ServerScript)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in NodeEnvironment())
        {
            start.Environment[name] = value;
        }

        _server?.Dispose();
        _server = Process.Start(start) ?? throw new InvalidOperationException("Could not start rabbitmq-server.");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(120));
        IsRunning = true;
    }

    /// <summary>A clean shutdown (<c>rabbitmqctl stop</c>): connections are closed, unacknowledged messages go back to their queues.</summary>
    public async Task StopAsync()
    {
        await ControlAsync("stop");
        await _server!.WaitForExitAsync();
        IsRunning = false;
    }

    /// <summary>SIGKILL of the node's every process: a lost machine. Data on disk stays for a restart.</summary>
    public async Task KillAsync()
    {
        await RunAsync("/bin/sh", ["-c", KillCommand]);
        await _server!.WaitForExitAsync();
        IsRunning = false;
    }

    /// <summary>Runs <c>rabbitmqctl -n node ...</c> and returns its output; throws with its errors when it fails.</summary>
    public Task<string> ControlAsync(params string[] arguments) => RunAsync(ControlScript, ["-n", NodeName, .. arguments], NodeEnvironment());

    /// <summary>A queue's ready messages, over AMQP (a passive declaration; uint.MaxValue when there is no such queue).</summary>
    public async Task<uint> ReadyMessagesAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(AmqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return uint.MaxValue;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("/bin/sh", ["-c", $"{KillCommand}; rm -rf '{_directory}'"]);
        _server?.Dispose();
    }

    private Dictionary<string, string> NodeEnvironment() => new()
    {
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq"),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_FEATURE_FLAGS_FILE"] = Path.Combine(_directory, "feature_flags"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins"),
    };

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var factory = new ConnectionFactory { Uri = new Uri(AmqpUri) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_server!.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_server.ExitCode}; see logs in {_directory}/log.");
            }

            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(300);
            }
        }
    }

    private static async Task<string> RunAsync(string file, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}{await output}");
        }

        return await output;
    }
}
