using AccreditationReporting.Contracts;

namespace AccreditationReporting.Demo;

/// <summary>
/// Fictitious completions for the demo: two learners, three events. Event IDs are fixed, so
/// publishing the samples again stores nothing new.
/// </summary>
public static class SampleCompletions
{
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

        return
        [
            new CourseCompleted
            {
                EventId = Guid.Parse("00000000-0000-4000-8000-00000000d001"),
                SchemaVersion = 1,
                OccurredAt = now,
                PolicyVersion = "mayo-cme-2018-06-15",
                Learner = Physician("demo-learner-1", "Ada", "Example"),
                Activity = ecg,
                CompletedOn = today,
                Assessment = new AssessmentResult { Score = 92 },
                EvaluationCompleted = true,
                Claims =
                [
                    new CreditClaim { CreditType = "ama-pra-category-1", Amount = 7.5m },
                    new CreditClaim { CreditType = "moc", Amount = 7.5m, Board = "ABIM", MocCreditType = "Medical Knowledge" },
                ],
                Consents = new LearnerConsents { BoardReporting = true, StateBoardReporting = false },
            },
            new CourseCompleted
            {
                EventId = Guid.Parse("00000000-0000-4000-8000-00000000d002"),
                SchemaVersion = 1,
                OccurredAt = now,
                PolicyVersion = "medmastery-2017-06-20",
                Learner = Physician("demo-learner-1", "Ada", "Example"),
                Activity = congress,
                CompletedOn = today.AddDays(-2),
                EvaluationCompleted = true,
                Claims = [new CreditClaim { CreditType = "ecmec", Amount = 6 }],
                Consents = new LearnerConsents { BoardReporting = false, StateBoardReporting = false },
            },
            new CourseCompleted
            {
                EventId = Guid.Parse("00000000-0000-4000-8000-00000000d003"),
                SchemaVersion = 1,
                OccurredAt = now,
                PolicyVersion = "ismrm-2016-11-21",
                Learner = new LearnerDetails
                {
                    LearnerId = "demo-learner-2",
                    FirstName = "Sam",
                    LastName = "Sample",
                    BirthMonth = 3,
                    BirthDay = 14,
                    Profession = "other",
                    Country = "DE",
                },
                Activity = ecg,
                CompletedOn = today,
                Assessment = new AssessmentResult { Score = 81 },
                EvaluationCompleted = true,
                Claims = [new CreditClaim { CreditType = "participation", Amount = 8 }],
                Consents = new LearnerConsents { BoardReporting = false, StateBoardReporting = false },
            },
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
}
