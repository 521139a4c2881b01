namespace AccreditationReporting.Exports;

/// <summary>
/// One occurrence of a recipient's schedule, claimed by the instance that runs it: every instance
/// wakes at the occurrence, and the key (recipient, occurrence) lets exactly one of them go on.
/// </summary>
public sealed class ScheduledRun
{
    public required string Recipient { get; init; }
    public DateTimeOffset Occurrence { get; init; }
    public required string ClaimedBy { get; init; }
    public DateTimeOffset ClaimedAt { get; init; }
    public long? BatchId { get; set; }
}
