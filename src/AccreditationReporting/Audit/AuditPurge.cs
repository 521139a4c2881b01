namespace AccreditationReporting.Audit;

/// <summary>
/// A retention purge of the audit trail's oldest entries. The first kept entry's previous hash
/// must equal <see cref="LastHash"/>, so what is kept stays verifiable from this anchor on.
/// </summary>
public sealed class AuditPurge
{
    public long Id { get; init; }

    /// <summary>Entries up to and including this ID were deleted.</summary>
    public long PurgedThrough { get; init; }

    /// <summary>The hash of entry <see cref="PurgedThrough"/>: what the next entry chains to.</summary>
    public required string LastHash { get; init; }
    public int Entries { get; init; }
    public DateTimeOffset OlderThan { get; init; }
    public DateTimeOffset PurgedAt { get; init; }
}
