namespace AccreditationReporting.Contracts;

/// <summary>
/// A learner finished a CME activity. Version 1 of the event, published as camelCase JSON by
/// platforms in any language (schema: protos/events/course-completed.v1.schema.json).
/// </summary>
/// <remarks>
/// Every member is nullable because the publisher may be any program: a missing field has to be
/// told apart from a default value so that validation can name it.
/// </remarks>
public sealed record CourseCompleted
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>The idempotency key: the same event delivered twice is stored once.</summary>
    public Guid? EventId { get; init; }
    public int? SchemaVersion { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>The privacy-policy version the learner's data was collected under.</summary>
    public string? PolicyVersion { get; init; }
    public LearnerDetails? Learner { get; init; }
    public ActivityDetails? Activity { get; init; }
    public DateOnly? CompletedOn { get; init; }
    public AssessmentResult? Assessment { get; init; }
    public bool? EvaluationCompleted { get; init; }
    public IReadOnlyList<CreditClaim>? Claims { get; init; }
    public LearnerConsents? Consents { get; init; }
}

public sealed record LearnerDetails
{
    /// <summary>The publisher's stable ID for the learner.</summary>
    public string? LearnerId { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public int? BirthMonth { get; init; }
    public int? BirthDay { get; init; }
    public int? BirthYear { get; init; }

    /// <summary><c>physician</c> or <c>other</c>.</summary>
    public string? Profession { get; init; }

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string? Country { get; init; }
    public string? Npi { get; init; }
    public string? LicenseState { get; init; }
    public string? LicenseId { get; init; }
    public IReadOnlyList<BoardMembership>? Boards { get; init; }
}

public sealed record BoardMembership
{
    public string? Board { get; init; }
    public string? BoardId { get; init; }
}

public sealed record ActivityDetails
{
    /// <summary>The provider's own ID for the activity.</summary>
    public string? ActivityId { get; init; }
    public string? Title { get; init; }

    /// <summary><c>live</c>, <c>enduring-material</c>, <c>journal</c>, <c>internet-live</c>, ...</summary>
    public string? Format { get; init; }
    public DateOnly? StartDate { get; init; }
    public DateOnly? EndDate { get; init; }

    /// <summary>
    /// Live events only, optional: how many half-day sessions the event has. EACCME caps ECMEC at 3
    /// per half day; without this the cap is 6 per calendar day of the event.
    /// </summary>
    public int? HalfDays { get; init; }
    public string? AccmeActivityId { get; init; }
    public string? EaccmeEventCode { get; init; }
    public DesignatedCredits? DesignatedCredits { get; init; }
    public decimal? PassingScore { get; init; }
    public string? JointProvider { get; init; }
}

public sealed record DesignatedCredits
{
    public decimal? AmaPraCategory1 { get; init; }
    public decimal? Ecmec { get; init; }
    public IReadOnlyList<MocDesignation>? Moc { get; init; }
}

public sealed record MocDesignation
{
    public string? Board { get; init; }
    public string? CreditType { get; init; }
    public decimal? Points { get; init; }
}

public sealed record AssessmentResult
{
    public decimal? Score { get; init; }
}

public sealed record CreditClaim
{
    /// <summary><c>ama-pra-category-1</c>, <c>ecmec</c>, <c>moc</c> or <c>participation</c>.</summary>
    public string? CreditType { get; init; }
    public decimal? Amount { get; init; }
    public string? Board { get; init; }
    public string? MocCreditType { get; init; }
}

public sealed record LearnerConsents
{
    public bool? BoardReporting { get; init; }
    public bool? StateBoardReporting { get; init; }
}
