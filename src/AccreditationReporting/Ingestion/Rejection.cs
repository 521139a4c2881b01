namespace AccreditationReporting.Ingestion;

/// <summary>
/// Why an event cannot be stored: a stable rule code, the JSON path of the field, and a reason.
/// Never carries the offending value, which may be personal data.
/// </summary>
public sealed record Rejection(string Code, string Field, string Reason)
{
    public override string ToString() => $"{Code} at {Field}: {Reason}";
}

/// <summary>Thrown for an event that breaks a rule; not retried, since retrying cannot fix it.</summary>
public sealed class CompletionRejectedException(Guid? eventId, IReadOnlyList<Rejection> rejections)
    : Exception($"Event {eventId?.ToString() ?? "(no eventId)"} rejected: {string.Join("; ", rejections)}")
{
    public Guid? EventId { get; } = eventId;
    public IReadOnlyList<Rejection> Rejections { get; } = rejections;
}
