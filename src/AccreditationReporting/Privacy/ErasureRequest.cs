namespace AccreditationReporting.Privacy;

/// <summary>
/// One erasure request as received, for the privacy audit (GDPR Art. 5(2), accountability): who
/// asked, under which reference, what it did and on what basis the rest was kept. It never holds
/// the erased values.
/// </summary>
public sealed class ErasureRequest
{
    public const int MaxReferenceLength = 200;
    public const int MaxActorLength = 300;

    public long Id { get; init; }

    /// <summary>
    /// The learner's internal key, not the publisher's learner ID. No foreign key: the record of the
    /// request outlives the learner row, which the retention purge will delete. Null when no learner
    /// was stored (only rejected events, or nothing at all).
    /// </summary>
    public long? LearnerKey { get; init; }

    /// <summary>The privacy office's reference for the request whose identity check it made.</summary>
    public required string RequestReference { get; init; }

    /// <summary>Who asked, as their verified token names them; the audit trail holds the full identity and peer.</summary>
    public required string Actor { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Completions this request scrubbed; 0 when the learner had been erased already.</summary>
    public int CompletionsErased { get; init; }
    public bool AlreadyErased { get; init; }

    /// <summary>Rejected messages about the learner whose kept payload this request deleted.</summary>
    public int RejectedPayloadsDeleted { get; init; }

    /// <summary>Why what was kept is kept.</summary>
    public required string LegalBasis { get; init; }
}
