namespace AccreditationReporting.Exports;

/// <summary>
/// One file for one recipient: every eligible completion not yet sent to it, up to <see cref="Cutoff"/>.
/// Immutable once created; <see cref="Sha256"/> and <see cref="RowCount"/> are its manifest.
/// </summary>
public sealed class ExportBatch
{
    public long Id { get; init; }
    public required string Recipient { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset Cutoff { get; init; }

    /// <summary><c>on-demand</c> or <c>schedule</c>.</summary>
    public required string Trigger { get; init; }
    public string FileName { get; set; } = string.Empty;
    public string ContentType { get; set; } = string.Empty;

    /// <summary>The format's fields, in column order, when the batch was made.</summary>
    public List<string> Fields { get; set; } = [];
    public List<string> Headers { get; set; } = [];
    public int RowCount { get; set; }
    public long ByteLength { get; set; }

    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public string Sha256 { get; set; } = string.Empty;

    /// <summary>Completions the file adds (learner-level) or counts (counts-only).</summary>
    public int Included { get; set; }

    /// <summary>Completions sent earlier that this file deletes or withdraws because they changed.</summary>
    public int Corrections { get; set; }
    public List<Exclusion> Exclusions { get; set; } = [];
    public DeliveryStatus DeliveryStatus { get; set; }
    public int DeliveryAttempts { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The endpoint (scheme, host and path) the file was pushed to.</summary>
    public string? DeliveredTo { get; set; }

    /// <summary>When a pending delivery that has failed so far is tried again.</summary>
    public DateTimeOffset? NextDeliveryAt { get; set; }

    /// <summary>What the last failed attempt got (status code or error kind): never a response body.</summary>
    public string? LastDeliveryError { get; set; }
    public List<ExportSubmission> Submissions { get; init; } = [];

    /// <summary>
    /// Set when an erasure redacted the erased values out of the stored file: <see cref="Sha256"/> is
    /// then the redacted copy's, and this the file's as made and sent, the record of what was sent.
    /// </summary>
    public string? OriginalSha256 { get; set; }
    public DateTimeOffset? RedactedAt { get; set; }

    /// <summary>When the retention purge deleted the file; the manifest and counts stay.</summary>
    public DateTimeOffset? FilePurgedAt { get; set; }
}

/// <summary>Completions left out of a batch, by reason (one of <see cref="ExclusionReasons"/>).</summary>
public sealed record Exclusion(string Reason, int Count);

public enum DeliveryStatus
{
    /// <summary>No push endpoint for the recipient when the batch was made: staff download and submit it.</summary>
    NotConfigured,
    Pending,
    Delivered,

    /// <summary>The endpoint refused it in a way a retry would not change; <c>RetryDelivery</c> queues it again.</summary>
    Failed,
}
