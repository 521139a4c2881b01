using AccreditationReporting.Completions;
using AccreditationReporting.Credits;

namespace AccreditationReporting.Tests.Credits;

public sealed class CreditRulesTests
{
    private static (Learner, Activity, Completion) Case(
        string format = "enduring-material", Profession profession = Profession.Physician, decimal? score = 85, decimal? passing = 70,
        bool evaluated = true)
    {
        var learner = new Learner { LearnerId = "l", Country = "US", Profession = profession };
        var activity = new Activity
        {
            ActivityId = "a", Title = "t", Format = format, PassingScore = passing, AmaPraCategory1Credits = 8, EcmecCredits = 6,
            MocDesignations = [new MocDesignation("ABIM", "Medical Knowledge", 4)],
        };
        var completion = new Completion { PolicyVersion = "p", AssessmentScore = score, EvaluationCompleted = evaluated };
        return (learner, activity, completion);
    }

    private static CreditAward Award(CreditType type, decimal amount, (Learner, Activity, Completion) c, string? board = null) =>
        CreditRules.Award(new ClaimedCredit(type, amount, board, board is null ? null : "Medical Knowledge"), c.Item1, c.Item2, c.Item3);

    [Fact]
    public void AmaCreditIsWhatTheLearnerClaimed()
    {
        var award = Award(CreditType.AmaPraCategory1, 5.25m, Case());

        Assert.Equal((5.25m, 5.25m, (string?)null), (award.Claimed, award.Awarded, award.NotAwardedReason));
    }

    [Fact]
    public void AmaCreditIsCappedAtTheDesignatedMaximum()
    {
        Assert.Equal(8m, Award(CreditType.AmaPraCategory1, 9m, Case()).Awarded);
        Assert.Equal(4m, Award(CreditType.Moc, 6m, Case(), board: "ABIM").Awarded);
    }

    [Theory]
    [InlineData("enduring-material", 69.99, 70.0, NotAwardedReasons.AssessmentNotPassed)]
    [InlineData("journal", null, 70.0, NotAwardedReasons.AssessmentMissing)]
    [InlineData("internet-enduring", 90.0, null, NotAwardedReasons.PassingScoreNotAnnounced)]
    [InlineData("enduring-material", 70.0, 70.0, null)]
    [InlineData("live", null, null, null)]
    public void AssessedFormatsNeedAPassedAssessment(string format, double? score, double? passing, string? reason)
    {
        var award = Award(CreditType.AmaPraCategory1, 4m, Case(format, score: (decimal?)score, passing: (decimal?)passing));

        Assert.Equal(reason, award.NotAwardedReason);
        Assert.Equal(reason is null ? 4m : 0m, award.Awarded);
    }

    [Theory]
    [InlineData(CreditType.AmaPraCategory1)]
    [InlineData(CreditType.Ecmec)]
    public void CreditNeedsTheEvaluation(CreditType type)
    {
        var award = Award(type, 2m, Case("live", evaluated: false));

        Assert.Equal((0m, NotAwardedReasons.EvaluationNotCompleted), (award.Awarded, award.NotAwardedReason));
    }

    [Fact]
    public void EcmecForELearningNeedsTheSelfAssessment()
    {
        Assert.Equal(NotAwardedReasons.SelfAssessmentMissing, Award(CreditType.Ecmec, 2m, Case("internet-enduring", score: null)).NotAwardedReason);
        Assert.Equal(2m, Award(CreditType.Ecmec, 2m, Case("live", score: null)).Awarded);
    }

    [Fact]
    public void NonPhysiciansGetParticipationNotCredit()
    {
        var other = Case(profession: Profession.Other);

        Assert.Equal(NotAwardedReasons.PhysiciansOnly, Award(CreditType.AmaPraCategory1, 4m, other).NotAwardedReason);
        Assert.Equal(NotAwardedReasons.PhysiciansOnly, Award(CreditType.Moc, 4m, other, board: "ABIM").NotAwardedReason);
        Assert.Equal(4m, Award(CreditType.Participation, 4m, other).Awarded);
        Assert.Equal(NotAwardedReasons.NonPhysiciansOnly, Award(CreditType.Participation, 4m, Case()).NotAwardedReason);
    }
}
