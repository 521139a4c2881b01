namespace AccreditationReporting.Audit;

/// <summary>
/// What is recorded of one access or change. <see cref="Target"/> names a thing by its internal key
/// (<c>batch:12</c>, <c>learner:345</c>), never by a person's name or the publisher's learner ID;
/// <see cref="Details"/> hold counts, references and outcomes, never personal data.
/// </summary>
public sealed record AuditEntry(AuditActor Actor, string Action, string Outcome, string? Target = null)
{
    /// <summary>Rows of the file the entry is about, for file accesses.</summary>
    public int? RowCount { get; init; }

    /// <summary>SHA-256 of the file the entry is about, for file accesses.</summary>
    public string? Sha256 { get; init; }

    public IReadOnlyDictionary<string, string>? Details { get; init; }

    public static string Batch(long batchId) => $"batch:{batchId}";

    public static string Learner(long learnerKey) => $"learner:{learnerKey}";

    public static string RejectedEvent(long id) => $"rejected-event:{id}";
}

/// <summary>The outcomes an entry can record besides a gRPC status name.</summary>
public static class AuditOutcomes
{
    public const string Ok = "ok";
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Unauthenticated = "unauthenticated";
    public const string PermissionDenied = "permission-denied";
}
