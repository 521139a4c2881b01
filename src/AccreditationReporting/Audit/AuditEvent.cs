namespace AccreditationReporting.Audit;

/// <summary>
/// One stored entry of the audit trail. Entries are numbered without gaps and each holds the hash
/// of the one before it and its own (<see cref="AuditChain"/>), so a deleted, inserted or edited
/// entry breaks the chain; PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the table.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public required string ActorSubject { get; init; }
    public string? ActorName { get; init; }
    public List<string> ActorRoles { get; init; } = [];
    public string? ActorClient { get; init; }
    public string? Peer { get; init; }
    public required string Action { get; init; }
    public string? Target { get; init; }
    public required string Outcome { get; init; }
    public int? RowCount { get; init; }
    public string? Sha256 { get; init; }
    public Dictionary<string, string> Details { get; init; } = [];
    public required string PreviousHash { get; init; }
    public required string Hash { get; init; }
}
