namespace AccreditationReporting.Bench;

/// <summary>CPU meters read together just before the first publish and just after the run completes.</summary>
internal sealed class CpuWindow
{
    private readonly IReadOnlyList<CpuMeter> _meters;
    private readonly Dictionary<string, double?> _start;
    private readonly TimeSpan _benchStart = Environment.CpuUsage.TotalTime;

    private CpuWindow(IReadOnlyList<CpuMeter> meters)
    {
        _meters = meters;
        _start = meters.ToDictionary(m => m.Name, m => m.Read());
    }

    /// <summary>The whole machine is always read as well, to tell how much else ran.</summary>
    public static CpuWindow Start(params IReadOnlyList<CpuMeter> meters) => new([.. meters, CpuMeter.WholeMachine()]);

    /// <summary>
    /// Adds the bench's own CPU (publisher, consumer, polling) as "bench", since it shares the
    /// machine, and replaces the machine's total with "other": the busy time no component accounts for.
    /// </summary>
    public IReadOnlyDictionary<string, double?> Stop()
    {
        var used = _meters.ToDictionary(m => m.Name, m => m.Read() - _start[m.Name]);
        used["bench"] = (Environment.CpuUsage.TotalTime - _benchStart).TotalSeconds;
        var machine = used[CpuMeter.Machine];
        used.Remove(CpuMeter.Machine);
        used["other"] = machine - used.Values.Sum();
        return used;
    }
}
