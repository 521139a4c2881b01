using AccreditationReporting.Exports;

namespace AccreditationReporting.StaffConsole;

/// <summary>What the console says of a batch in a list: the manifest's counts and where it stands with its recipient.</summary>
public sealed record BatchSummary(
    long Id, DateTimeOffset CreatedAt, int Rows, int Included, int Corrections, IReadOnlyList<Exclusion> Exclusions,
    DeliveryStatus Delivery, SubmissionOutcome? LatestSubmission)
{
    public static BatchSummary Of(ExportBatch batch) => new(
        batch.Id, batch.CreatedAt, batch.RowCount, batch.Included, batch.Corrections, batch.Exclusions, batch.DeliveryStatus,
        batch.Submissions.OrderByDescending(s => s.SubmittedAt).ThenByDescending(s => s.Id).FirstOrDefault()?.Outcome);
}
