using AccreditationReporting.Completions;

namespace AccreditationReporting.Credits;

/// <summary>
/// The accreditors' award rules (../shared/DOMAIN.md, "Credit rules"), applied to a claim that
/// already passed validation: steps, designations and consents are checked before this runs.
/// </summary>
public static class CreditRules
{
    /// <summary>Formats whose credit needs a passed assessment with a score announced beforehand (AMA).</summary>
    private static readonly HashSet<string> AssessedFormats = ["enduring-material", "internet-enduring", "journal"];

    /// <summary>Formats EACCME treats as e-learning, which need the learner's self-assessment.</summary>
    private static readonly HashSet<string> ELearningFormats = ["enduring-material", "internet-enduring"];

    public static CreditAward Award(ClaimedCredit claim, Learner learner, Activity activity, Completion completion)
    {
        var reason = claim.CreditType switch
        {
            CreditType.AmaPraCategory1 => AmaPraCategory1(learner, activity, completion),
            CreditType.Ecmec => Ecmec(activity, completion),
            CreditType.Moc => learner.Profession == Profession.Physician ? null : NotAwardedReasons.PhysiciansOnly,
            CreditType.Participation => learner.Profession == Profession.Physician ? NotAwardedReasons.NonPhysiciansOnly : null,
            _ => throw new ArgumentOutOfRangeException(nameof(claim), claim.CreditType, "unknown credit type"),
        };

        return new CreditAward
        {
            CreditType = claim.CreditType,
            Board = claim.Board,
            MocCreditType = claim.MocCreditType,
            Claimed = claim.Amount,
            Awarded = reason is null ? Math.Min(claim.Amount, Designated(claim, activity) ?? claim.Amount) : 0m,
            NotAwardedReason = reason,
        };
    }

    /// <summary>The most the activity designates for the claim's credit type, or null when it designates none.</summary>
    public static decimal? Designated(ClaimedCredit claim, Activity activity) => claim.CreditType switch
    {
        CreditType.AmaPraCategory1 or CreditType.Participation => activity.AmaPraCategory1Credits,
        CreditType.Ecmec => activity.EcmecCredits,
        CreditType.Moc => activity.MocDesignations
            .Where(m => m.Board == claim.Board && m.CreditType == claim.MocCreditType)
            .Select(m => (decimal?)m.Points)
            .FirstOrDefault(),
        _ => null,
    };

    private static string? AmaPraCategory1(Learner learner, Activity activity, Completion completion)
    {
        if (learner.Profession != Profession.Physician)
        {
            return NotAwardedReasons.PhysiciansOnly;
        }

        if (!completion.EvaluationCompleted)
        {
            return NotAwardedReasons.EvaluationNotCompleted;
        }

        if (!AssessedFormats.Contains(activity.Format))
        {
            return null;
        }

        return (activity.PassingScore, completion.AssessmentScore) switch
        {
            (null, _) => NotAwardedReasons.PassingScoreNotAnnounced,
            (_, null) => NotAwardedReasons.AssessmentMissing,
            var (passing, score) when score < passing => NotAwardedReasons.AssessmentNotPassed,
            _ => null,
        };
    }

    private static string? Ecmec(Activity activity, Completion completion)
    {
        if (!completion.EvaluationCompleted)
        {
            return NotAwardedReasons.EvaluationNotCompleted;
        }

        return ELearningFormats.Contains(activity.Format) && completion.AssessmentScore is null
            ? NotAwardedReasons.SelfAssessmentMissing
            : null;
    }
}

/// <summary>A claim as validated from the event, before the award rules run.</summary>
public sealed record ClaimedCredit(CreditType CreditType, decimal Amount, string? Board, string? MocCreditType);
