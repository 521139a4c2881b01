namespace AccreditationReporting.Hosting;

/// <summary>
/// The wait of a cron-driven loop (export schedules, the retention purge) for its next occurrence. A
/// timer cannot wait more than 49 days (a quarterly or yearly schedule's next run can be further), so
/// a longer wait is cut into steps, after which the loop looks again.
/// </summary>
internal static class ScheduledWait
{
    /// <summary>The longest single step; looking again now and then costs nothing.</summary>
    public static readonly TimeSpan LongestStep = TimeSpan.FromHours(12);

    /// <summary>Waits until <paramref name="occurrence"/>, or one step towards it.</summary>
    /// <returns>Whether the occurrence is due; false after a step, for the loop to look again.</returns>
    public static async Task<bool> UntilAsync(DateTimeOffset occurrence, TimeProvider time, CancellationToken cancellationToken)
    {
        var wait = occurrence - time.GetUtcNow();
        if (wait > LongestStep)
        {
            await Task.Delay(LongestStep, time, cancellationToken);
            return false;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }

        return true;
    }
}
