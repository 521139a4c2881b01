namespace AccreditationReporting.Exports.Pars;

/// <summary>A row of the PARS activity summary (recipient B): an activity and reporting year, counts only.</summary>
public sealed class ParsActivityRow
{
    [ExportField("accme-activity-id")] public string? AccmeActivityId { get; set; }
    [ExportField("activity-title")] public string? ActivityTitle { get; set; }
    [ExportField("activity-format")] public string? ActivityFormat { get; set; }
    [ExportField("start-date")] public string? StartDate { get; set; }
    [ExportField("end-date")] public string? EndDate { get; set; }
    [ExportField("reporting-year")] public string? ReportingYear { get; set; }
    [ExportField("ama-credits-designated")] public string? AmaCreditsDesignated { get; set; }
    [ExportField("providership")] public string? Providership { get; set; }
    [ExportField("physician-learners")] public string? PhysicianLearners { get; set; }
    [ExportField("other-learners")] public string? OtherLearners { get; set; }
}
