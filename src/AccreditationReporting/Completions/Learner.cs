namespace AccreditationReporting.Completions;

/// <summary>
/// A learner as last described by a publisher. The profile follows the newest event
/// (by <see cref="ProfileAsOf"/>), whatever order events arrive in.
/// </summary>
public sealed class Learner
{
    public long Id { get; init; }

    /// <summary>The publisher's stable ID.</summary>
    public required string LearnerId { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public string? Email { get; init; }
    public int BirthMonth { get; init; }
    public int BirthDay { get; init; }
    public int? BirthYear { get; init; }
    public Profession Profession { get; init; }
    public required string Country { get; init; }
    public string? Npi { get; init; }
    public string? LicenseState { get; init; }
    public string? LicenseId { get; init; }
    public List<BoardMembership> Boards { get; init; } = [];
    public DateTimeOffset ProfileAsOf { get; init; }

    /// <summary>
    /// When the learner's erasure request scrubbed this profile (Privacy/LearnerErasure). Null again
    /// once a later event collects the learner's data afresh: that is a new collection.
    /// </summary>
    public DateTimeOffset? ErasedAt { get; init; }
}

public sealed record BoardMembership(string Board, string BoardId);

public enum Profession
{
    Physician,
    Other,
}
