using Cronos;

namespace AccreditationReporting.Exports;

/// <summary>The recipients' batch schedules as configured, for people to read: the expression and its next run.</summary>
public sealed class RecipientSchedules(IReadOnlyDictionary<string, CronExpression> schedules)
{
    /// <summary>
    /// The schedule's expression and the next occurrence it will run (UTC): one missed since
    /// <paramref name="lastClaimed"/> and not yet made (<c>Late</c>), else the next after
    /// <paramref name="now"/>. Null when the recipient has no schedule.
    /// </summary>
    public (string Expression, DateTimeOffset? NextRun, bool Late)? For(string recipient, DateTimeOffset now, DateTimeOffset? lastClaimed)
    {
        if (!schedules.TryGetValue(recipient, out var schedule))
        {
            return null;
        }

        var next = ExportSchedules.NextDue(schedule, ExportSchedules.CountFrom(schedule, lastClaimed, now), now);
        return (schedule.ToString(), next, next <= now);
    }
}
