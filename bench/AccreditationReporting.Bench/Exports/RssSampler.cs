namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// The service's resident set, read from /proc every <see cref="Interval"/> while a batch is made:
/// the peak between two readings can be missed, which VmHWM (the process's own high-water mark) does not.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peakKiB;

    private RssSampler(int pid)
    {
        _pid = pid;
        _peakKiB = ProcFs.StatusKiB(pid, "VmRSS") ?? 0;
        _sampling = SampleAsync();
    }

    public static RssSampler Start(int pid) => new(pid);

    /// <summary>The largest VmRSS read so far, in KiB.</summary>
    public long PeakKiB => Interlocked.Read(ref _peakKiB);

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (ProcFs.StatusKiB(_pid, "VmRSS") is { } rss && rss > PeakKiB)
                {
                    Interlocked.Exchange(ref _peakKiB, rss);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
