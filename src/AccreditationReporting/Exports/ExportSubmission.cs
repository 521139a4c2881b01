namespace AccreditationReporting.Exports;

/// <summary>Compliance staff's record of handing a batch to its recipient, and what the recipient answered.</summary>
public sealed class ExportSubmission
{
    public long Id { get; init; }
    public long BatchId { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>How it was submitted, e.g. "PARS batch upload", "email to the joint provider".</summary>
    public required string Method { get; init; }
    public required string SubmittedBy { get; init; }
    public SubmissionOutcome Outcome { get; init; }

    /// <summary>The recipient's answer as staff recorded it (a confirmation number, an error summary).</summary>
    public string? RecipientResponse { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

public enum SubmissionOutcome
{
    Pending,
    Accepted,
    AcceptedWithErrors,
    Rejected,
}
