namespace AccreditationReporting.Ingestion;

/// <summary>
/// The inbox: one row per event ID ever consumed, written in the same transaction as the event's
/// effects, so a redelivered or republished event has no second effect.
/// </summary>
public sealed class ProcessedEvent
{
    public Guid EventId { get; init; }
    public DateTimeOffset ConsumedAt { get; init; }
}
