namespace AccreditationReporting.Credits;

/// <summary>Why a valid claim earns no credit. Stable codes: exports and clients match on them.</summary>
public static class NotAwardedReasons
{
    /// <summary>AMA PRA Category 1 Credit and MOC points are for physicians.</summary>
    public const string PhysiciansOnly = "physicians-only";

    /// <summary>Other learners get a certificate of participation instead of credit.</summary>
    public const string NonPhysiciansOnly = "non-physicians-only";

    /// <summary>Credit needs the post-activity evaluation (seed 001; EACCME feedback form).</summary>
    public const string EvaluationNotCompleted = "evaluation-not-completed";

    /// <summary>Enduring material and journal CME need an assessment result.</summary>
    public const string AssessmentMissing = "assessment-missing";

    /// <summary>Below the passing score announced for the activity.</summary>
    public const string AssessmentNotPassed = "assessment-not-passed";

    /// <summary>The format needs a passing score announced beforehand and the activity gives none.</summary>
    public const string PassingScoreNotAnnounced = "passing-score-not-announced";

    /// <summary>EACCME e-learning needs its self-assessment.</summary>
    public const string SelfAssessmentMissing = "self-assessment-missing";

    /// <summary>A claim stored before the award rules existed (migration CreditAwardsSupersessionRejections).</summary>
    public const string RecordedBeforeAwardRules = "recorded-before-award-rules";
}
