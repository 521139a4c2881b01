using System.Globalization;

namespace AccreditationReporting.Bench;

/// <summary>
/// CPU time (user + system) of one component, from /proc. Process groups are found afresh at every
/// reading because PostgreSQL starts and ends backends during a run; a child that ended was reaped
/// by its parent, whose cutime/cstime then hold its time, so summing all four fields over the live
/// group loses nothing between two readings.
/// </summary>
internal sealed class CpuMeter(string name, Func<double?> readSeconds)
{
    // USER_HZ: the unit of /proc times, 100 on every Linux architecture we run on.
    private const double TicksPerSecond = 100;

    public const string Machine = "machine";

    public string Name { get; } = name;

    /// <summary>Seconds of CPU used so far, or null when the component has no process on this machine.</summary>
    public double? Read() => readSeconds();

    /// <summary>The broker's Erlang VM; only our node's when we know its name, since tests may run other nodes.</summary>
    public static CpuMeter Broker(string? nodeName) => Processes("broker", () =>
    {
        var beams = ProcFs.Pids().Where(p => ProcFs.Comm(p) == "beam.smp").ToList();
        var ours = nodeName is null ? [] : beams.Where(p => ProcFs.Environ(p).Contains($"RABBITMQ_NODENAME={nodeName}\0", StringComparison.Ordinal)).ToList();
        return ours.Count > 0 ? ours : beams;
    });

    /// <summary>The postmaster listening on the port and its children, else every postgres process.</summary>
    public static CpuMeter Postgres(int? port) => Processes("postgres", () =>
    {
        var all = ProcFs.Pids().Where(p => ProcFs.Comm(p) == "postgres").ToList();
        var postmaster = port is null ? -1 : all.FirstOrDefault(p => ListensOn(p, port.Value), -1);
        return postmaster > 0 ? all.Where(p => p == postmaster || ProcFs.ParentPid(p) == postmaster).ToList() : all;
    });

    public static CpuMeter SingleProcess(string name, int pid) => Processes(name, () => ProcFs.Comm(pid) is null ? [] : [pid]);

    /// <summary>Several processes as one component (the instances of a scaled-out service).</summary>
    public static CpuMeter ProcessSet(string name, IReadOnlyList<int> pids) => Processes(name, () => pids.Where(p => ProcFs.Comm(p) is not null).ToList());

    /// <summary>
    /// Every CPU's busy time: what the machine did beyond the components measured shows whether
    /// something else (a build, a test run) shared the cores with the run.
    /// </summary>
    public static CpuMeter WholeMachine() => new(Machine, () =>
    {
        // "cpu user nice system idle iowait irq softirq steal ...": busy is user through softirq less
        // idle and iowait; steal is the hypervisor's, not ours.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..8]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / TicksPerSecond;
    });

    private static CpuMeter Processes(string name, Func<List<int>> find) => new(name, () =>
    {
        var pids = find();
        return pids.Count == 0 ? null : pids.Sum(CpuSeconds);
    });

    private static bool ListensOn(int pid, int port)
    {
        // pg_ctl starts the postmaster as: postgres -D <dir> -p <port> ...
        var arguments = ProcFs.CommandLine(pid);
        var p = Array.IndexOf(arguments, "-p");
        return p >= 0 && p + 1 < arguments.Length && arguments[p + 1] == port.ToString(CultureInfo.InvariantCulture);
    }

    private static double CpuSeconds(int pid)
    {
        var stat = ProcFs.Stat(pid);
        if (stat is null)
        {
            return 0;
        }

        // Fields after "(comm)": state is field 3, so utime..cstime (fields 14-17) sit at 11..14.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
