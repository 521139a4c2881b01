namespace AccreditationReporting.Exports.Eaccme;

/// <summary>
/// A row of the EACCME event report (recipient C), counts only: per-learner certificates go to the
/// learner, and no published EACCME rule needs learner data (../shared/DOMAIN.md, C).
/// </summary>
public sealed class EaccmeEventRow
{
    [ExportField("event-code")] public string? EventCode { get; set; }
    [ExportField("event-title")] public string? EventTitle { get; set; }
    [ExportField("start-date")] public string? StartDate { get; set; }
    [ExportField("end-date")] public string? EndDate { get; set; }
    [ExportField("ecmec-granted")] public string? EcmecGranted { get; set; }
    [ExportField("participants")] public string? Participants { get; set; }
    [ExportField("feedback-forms-completed")] public string? FeedbackFormsCompleted { get; set; }
}
