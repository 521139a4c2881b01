using AccreditationReporting.Contracts;

namespace AccreditationReporting.Demo;

/// <summary>
/// Fictitious completions for the demo: one of each case a provider meets, across the four policy
/// versions: a physician with board permission (PARS and the joint provider), a European credit
/// (EACCME, counts only), a non-physician (counted only), a learner whose policy names another joint
/// provider, one whose policy shares nothing outside Mayo Clinic, one without the permission PARS
/// needs, and three events that are rejected (under 16, a policy this deployment does not take, a
/// claim above the designation). Event IDs are fixed, so publishing the samples again stores nothing new.
/// </summary>
public static class SampleCompletions
{
    /// <summary>How many of <see cref="Create"/>'s events break a rule and are recorded as rejected.</summary>
    public const int Rejected = 3;

    public static IReadOnlyList<CourseCompleted> Create(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var ecg = new ActivityDetails
        {
            ActivityId = "demo-ecg-course",
            Title = "ECG interpretation, enduring material",
            Format = "enduring-material",
            StartDate = today.AddMonths(-6),
            EndDate = today.AddMonths(6),
            AccmeActivityId = "202612345",
            DesignatedCredits = new DesignatedCredits
            {
                AmaPraCategory1 = 8,
                Moc = [new MocDesignation { Board = "ABIM", CreditType = "Medical Knowledge", Points = 8 }],
            },
            PassingScore = 70,
            JointProvider = "Demo Joint Provider",
        };
        var congress = new ActivityDetails
        {
            ActivityId = "demo-congress-2026",
            Title = "European cardiology congress",
            Format = "live",
            StartDate = today.AddDays(-3),
            EndDate = today.AddDays(-2),
            EaccmeEventCode = "EACCME-26-0001",
            DesignatedCredits = new DesignatedCredits { Ecmec = 12 },
        };

        CourseCompleted Event(int n, string policy, LearnerDetails learner, ActivityDetails activity, CreditClaim[] claims,
            bool boardReporting = true, bool stateBoardReporting = false, decimal? score = 88) => new()
        {
            EventId = Guid.Parse($"00000000-0000-4000-8000-00000000d{n:000}"),
            SchemaVersion = 1,
            OccurredAt = now,
            PolicyVersion = policy,
            Learner = learner,
            Activity = activity,
            CompletedOn = activity == congress ? today.AddDays(-2) : today,
            Assessment = activity == congress ? null : new AssessmentResult { Score = score },
            EvaluationCompleted = true,
            Claims = claims,
            Consents = new LearnerConsents { BoardReporting = boardReporting, StateBoardReporting = stateBoardReporting },
        };

        var ama = new CreditClaim { CreditType = "ama-pra-category-1", Amount = 7.5m };
        return
        [
            Event(1, "mayo-cme-2018-06-15", Physician("demo-learner-1", "Ada", "Example"), ecg,
                [ama, new CreditClaim { CreditType = "moc", Amount = 7.5m, Board = "ABIM", MocCreditType = "Medical Knowledge" }], score: 92),
            Event(2, "medmastery-2017-06-20", Physician("demo-learner-1", "Ada", "Example"), congress,
                [new CreditClaim { CreditType = "ecmec", Amount = 6 }], boardReporting: false),
            Event(3, "ismrm-2016-11-21", Other("demo-learner-2", "Sam", "Sample"), ecg,
                [new CreditClaim { CreditType = "participation", Amount = 8 }], boardReporting: false, score: 81),
            Event(4, "medmastery-2017-06-20", Physician("demo-learner-3", "Grace", "Demo"), ecg, [ama]),
            Event(5, "mayo-medical-laboratories-2014-12-17", Physician("demo-learner-4", "Lin", "Placeholder"), ecg, [ama]),
            Event(6, "ismrm-2016-11-21", Physician("demo-learner-5", "Omar", "Fictional"), ecg, [ama], boardReporting: false),
            Event(7, "mayo-cme-2018-06-15", Physician("demo-learner-6", "Kim", "Young") with { BirthYear = now.Year - 14 }, ecg, [ama]),
            Event(8, "acme-2020-01-01", Physician("demo-learner-7", "Noor", "Unknown"), ecg, [ama]),
            Event(9, "mayo-cme-2018-06-15", Physician("demo-learner-8", "Ravi", "Overclaim"), ecg,
                [new CreditClaim { CreditType = "ama-pra-category-1", Amount = 12 }]),
        ];
    }

    private static LearnerDetails Physician(string learnerId, string firstName, string lastName) => new()
    {
        LearnerId = learnerId,
        FirstName = firstName,
        LastName = lastName,
        Email = $"{learnerId}@example.org",
        BirthMonth = 7,
        BirthDay = 1,
        BirthYear = 1980,
        Profession = "physician",
        Country = "US",
        Npi = "1234567893",
        LicenseState = "MN",
        LicenseId = "MN-0000",
        Boards = [new BoardMembership { Board = "ABIM", BoardId = "000000" }],
    };

    private static LearnerDetails Other(string learnerId, string firstName, string lastName) => new()
    {
        LearnerId = learnerId,
        FirstName = firstName,
        LastName = lastName,
        BirthMonth = 3,
        BirthDay = 14,
        Profession = "other",
        Country = "DE",
    };
}
