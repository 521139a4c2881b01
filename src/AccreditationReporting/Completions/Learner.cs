namespace AccreditationReporting.Completions;

/// <summary>
/// A learner as the service knows them across policies: the publisher's ID and what counts-only
/// reports need (profession, country), as last described. Names and identifiers live in a
/// <see cref="LearnerProfile"/> per policy version they were collected under.
/// </summary>
public sealed class Learner
{
    public long Id { get; init; }

    /// <summary>The publisher's stable ID.</summary>
    public required string LearnerId { get; init; }
    public Profession Profession { get; init; }
    public required string Country { get; init; }
    public DateTimeOffset ProfileAsOf { get; init; }

    /// <summary>
    /// When the learner's erasure request scrubbed their profiles (Privacy/LearnerErasure). Null again
    /// once a later event collects the learner's data afresh: that is a new collection.
    /// </summary>
    public DateTimeOffset? ErasedAt { get; init; }
}

public enum Profession
{
    Physician,
    Other,
}
