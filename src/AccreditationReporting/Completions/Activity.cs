namespace AccreditationReporting.Completions;

/// <summary>A CME activity as last described by a publisher, with the credit it designates.</summary>
public sealed class Activity
{
    public long Id { get; init; }

    /// <summary>The provider's own ID.</summary>
    public required string ActivityId { get; init; }
    public required string Title { get; init; }
    public required string Format { get; init; }
    public DateOnly StartDate { get; init; }
    public DateOnly EndDate { get; init; }
    public int? HalfDays { get; init; }
    public string? AccmeActivityId { get; init; }
    public string? EaccmeEventCode { get; init; }
    public decimal? AmaPraCategory1Credits { get; init; }
    public decimal? EcmecCredits { get; init; }
    public List<MocDesignation> MocDesignations { get; init; } = [];
    public decimal? PassingScore { get; init; }
    public string? JointProvider { get; init; }
    public DateTimeOffset DetailsAsOf { get; init; }
}

public sealed record MocDesignation(string Board, string CreditType, decimal Points);
