namespace AccreditationReporting.Exports;

/// <summary>An occurrence of a recipient's schedule as an instance claims it: when it was due, who runs it, when.</summary>
public sealed record ScheduledOccurrence(DateTimeOffset At, string Instance, DateTimeOffset ClaimedAt);
