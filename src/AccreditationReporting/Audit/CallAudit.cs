namespace AccreditationReporting.Audit;

/// <summary>
/// The audit of one API call. A method names what it touched (<see cref="Target"/>,
/// <see cref="Details"/>) and, where the entry must be written at a particular moment (before a
/// file's first byte, inside an erasure's transaction), writes it itself; otherwise
/// <see cref="AuditInterceptor"/> writes one entry with the call's outcome when it ends.
/// </summary>
public sealed class CallAudit(AuditTrail trail, IHttpContextAccessor http)
{
    private AuditActor? _actor;

    public AuditActor Actor => _actor ??= http.HttpContext is { } context ? AuditActor.Of(context) : AuditActor.Service("unknown");

    public string? Target { get; set; }

    public Dictionary<string, string> Details { get; } = new(StringComparer.Ordinal);

    /// <summary>The SHA-256 of what the call handed out (a file, an access copy), when it handed out a document.</summary>
    public string? Sha256 { get; set; }

    /// <summary>Whether this call has an entry already, so the interceptor writes none.</summary>
    public bool Recorded { get; private set; }

    public async Task<long> RecordAsync(string action, string outcome, CancellationToken cancellationToken, int? rowCount = null, string? sha256 = null)
    {
        var id = await trail.AppendAsync(
            new AuditEntry(Actor, action, outcome, Target) { RowCount = rowCount, Sha256 = sha256 ?? Sha256, Details = new Dictionary<string, string>(Details) },
            cancellationToken);
        Recorded = true;
        return id;
    }

    /// <summary>For entries written by the work itself, in its own transaction (a batch, an erasure).</summary>
    public void RecordedElsewhere() => Recorded = true;
}
