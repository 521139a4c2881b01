using Microsoft.Extensions.Time.Testing;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// A fake clock that tells when something first waits on it. A background service reads the time and
/// sets its timer on a thread of its own, after <c>StartAsync</c> returned; moved before that, the clock
/// would be read at the moved time and the wait meant to end would never begin.
/// </summary>
public sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly TaskCompletionSource _firstTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first timer is made on this clock.</summary>
    public Task FirstTimer => _firstTimer.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _firstTimer.TrySetResult();
        return timer;
    }
}
