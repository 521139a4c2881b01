using AccreditationReporting.Credits;

namespace AccreditationReporting.Completions;

/// <summary>One CourseCompleted event as stored: who finished what, how they did, what they claimed.</summary>
public sealed class Completion
{
    public long Id { get; init; }
    public Guid EventId { get; init; }
    public long LearnerKey { get; set; }
    public Learner? Learner { get; init; }
    public long ActivityKey { get; set; }
    public Activity? Activity { get; init; }
    public DateOnly CompletedOn { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>
    /// The privacy policy the data was collected under; exports may use the data only as it allows
    /// (seed 002: "used only as the policy under which it was collected allows").
    /// </summary>
    public required string PolicyVersion { get; init; }
    public decimal? AssessmentScore { get; init; }
    public bool EvaluationCompleted { get; init; }
    public bool BoardReportingConsent { get; init; }
    public bool StateBoardReportingConsent { get; init; }
    public List<CreditAward> Awards { get; init; } = [];

    /// <summary>
    /// The next completion of the same activity by the same learner, in event time (a re-take, a
    /// corrected claim). Null for the current one; superseded completions stay as history, so an
    /// export can tell what it sent from what is true now.
    /// </summary>
    public long? SupersededBy { get; set; }
    public DateTimeOffset? SupersededAt { get; set; }

    /// <summary>
    /// When the learner's erasure request scrubbed this completion down to its verification record
    /// (Privacy/LearnerErasure). Never cleared: an erased completion is not sent again, and one sent
    /// earlier is deleted from the recipients that got it.
    /// </summary>
    public DateTimeOffset? ErasedAt { get; init; }
}
