using Cronos;

namespace AccreditationReporting.Exports;

/// <summary>The recipients' batch schedules as configured, for people to read: the expression and its next run.</summary>
public sealed class RecipientSchedules(IReadOnlyDictionary<string, CronExpression> schedules)
{
    /// <summary>The schedule's expression and its next occurrence after <paramref name="now"/> (UTC); null when the recipient has none.</summary>
    public (string Expression, DateTimeOffset? NextRun)? For(string recipient, DateTimeOffset now) =>
        schedules.TryGetValue(recipient, out var schedule)
            ? (schedule.ToString(), schedule.GetNextOccurrence(now, TimeZoneInfo.Utc))
            : null;
}
