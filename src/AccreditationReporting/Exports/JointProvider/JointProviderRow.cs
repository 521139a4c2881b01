namespace AccreditationReporting.Exports.JointProvider;

/// <summary>
/// A row for the joint provider that certifies AMA PRA Category 1 Credit (recipient D). Each
/// completion is a record with a stable ID (its event ID); a correction withdraws the old record by
/// ID and sends the new one as a new record.
/// </summary>
public sealed class JointProviderRow : LearnerRecord
{
    [ExportField("record-id")] public string? RecordId { get; set; }

    /// <summary><c>new</c> or <c>withdrawn</c>.</summary>
    [ExportField("record-status")] public string? RecordStatus { get; set; }
    [ExportField("first-name", Personal = true)] public string? FirstName { get; set; }
    [ExportField("last-name", Personal = true)] public string? LastName { get; set; }
    [ExportField("activity-id")] public string? ActivityId { get; set; }
    [ExportField("activity-title")] public string? ActivityTitle { get; set; }

    /// <summary>ISO 8601 date.</summary>
    [ExportField("completion-date")] public string? CompletionDate { get; set; }
    [ExportField("credits-claimed")] public string? CreditsClaimed { get; set; }

    /// <summary><c>Y</c>, <c>N</c>, or empty when the activity announced no passing score.</summary>
    [ExportField("assessment-passed", Personal = true)] public string? AssessmentPassed { get; set; }

    /// <summary>Seed 001 names quiz scores among what this recipient gets.</summary>
    [ExportField("quiz-score", Personal = true)] public string? QuizScore { get; set; }
    [ExportField("evaluation-completed")] public string? EvaluationCompleted { get; set; }
    [ExportField("birth-month-day", Personal = true)] public string? BirthMonthDay { get; set; }
    [ExportField("licensing-state", Personal = true)] public string? LicensingState { get; set; }
    [ExportField("licensing-id-or-npi", Personal = true)] public string? LicensingIdOrNpi { get; set; }
    [ExportField("certifying-board", Personal = true)] public string? CertifyingBoard { get; set; }
    [ExportField("certifying-board-id", Personal = true)] public string? CertifyingBoardId { get; set; }
}
