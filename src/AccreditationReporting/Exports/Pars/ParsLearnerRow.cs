namespace AccreditationReporting.Exports.Pars;

/// <summary>
/// A row of ACCME's PARS learner upload (recipient A). PARS never edits a record: a change is a
/// Delete of what was sent followed by an Add.
/// </summary>
public sealed class ParsLearnerRow : LearnerRecord
{
    [ExportField("record-action")] public string? RecordAction { get; set; }
    [ExportField("accme-activity-id")] public string? AccmeActivityId { get; set; }

    /// <summary>MM/DD/YYYY: PARS takes dates only.</summary>
    [ExportField("completion-date")] public string? CompletionDate { get; set; }
    [ExportField("first-name", Personal = true)] public string? FirstName { get; set; }
    [ExportField("last-name", Personal = true)] public string? LastName { get; set; }

    /// <summary>MM/DD: ACCME wants birth month and day, never the year.</summary>
    [ExportField("birth-month-day", Personal = true)] public string? BirthMonthDay { get; set; }
    [ExportField("licensing-state", Personal = true)] public string? LicensingState { get; set; }
    [ExportField("licensing-id-or-npi", Personal = true)] public string? LicensingIdOrNpi { get; set; }
    [ExportField("cme-credits")] public string? CmeCredits { get; set; }
    [ExportField("certifying-board", Personal = true)] public string? CertifyingBoard { get; set; }
    [ExportField("certifying-board-id", Personal = true)] public string? CertifyingBoardId { get; set; }
    [ExportField("total-board-credits")] public string? TotalBoardCredits { get; set; }
    [ExportField("moc-credit-type")] public string? MocCreditType { get; set; }
    [ExportField("moc-credits")] public string? MocCredits { get; set; }
}
