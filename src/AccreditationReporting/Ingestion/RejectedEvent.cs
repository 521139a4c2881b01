namespace AccreditationReporting.Ingestion;

/// <summary>
/// A message ingestion could not store: what was wrong, when it came, and (for a limited time) the
/// message itself, so it can be replayed once the cause is fixed. Nothing is silently dropped.
/// </summary>
public sealed class RejectedEvent
{
    public long Id { get; init; }

    /// <summary>Null when the message is not JSON or has no readable eventId.</summary>
    public Guid? EventId { get; set; }

    /// <summary>
    /// The learner the message is about, when it names one: what the learner's access copy and
    /// erasure find it by. Cleared with the payload when that expires, so nothing links the rejection
    /// to the learner after it.
    /// </summary>
    public string? LearnerId { get; set; }

    /// <summary>The transport's message ID, so a publisher can find its own message.</summary>
    public Guid? MessageId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset LastReceivedAt { get; set; }
    public int TimesReceived { get; set; } = 1;

    /// <summary>Every rule the message broke; the first is copied to <see cref="RuleCode"/> and <see cref="Field"/> for filtering.</summary>
    public List<Rejection> Violations { get; set; } = [];
    public string RuleCode { get; set; } = "";
    public string Field { get; set; } = "";

    /// <summary>
    /// The message as received. It holds personal data: it is kept only until
    /// <see cref="PayloadExpiresAt"/>, never logged, and never returned over the API.
    /// </summary>
    public byte[]? Payload { get; set; }
    public string? ContentType { get; init; }
    public DateTimeOffset? PayloadExpiresAt { get; set; }

    /// <summary>SHA-256 of the payload: a redelivered copy of the same message counts as received again, not as a new rejection.</summary>
    public byte[] PayloadDigest { get; init; } = [];
    public RejectionStatus Status { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public int Replays { get; set; }
}

public enum RejectionStatus
{
    /// <summary>Not stored; waiting for its cause to be fixed and a replay.</summary>
    Open,

    /// <summary>A replay (or a corrected copy of the event) was stored.</summary>
    Resolved,
}
