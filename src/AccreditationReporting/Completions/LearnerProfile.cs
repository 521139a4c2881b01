namespace AccreditationReporting.Completions;

/// <summary>
/// What a learner's events said about them under one policy version, as last described under it.
/// A completion's rows read only the profile of the policy it was collected under (seed 002: "in
/// accordance with the privacy policy under which the information was collected"): an NPI sent
/// under a policy that shares nothing never reaches a file made for a completion under another.
/// </summary>
/// <remarks>
/// Email and birth year are not here: no recipient may have them (../shared/DOMAIN.md). Birth year
/// is read for the age check and dropped.
/// </remarks>
public sealed class LearnerProfile
{
    public long LearnerKey { get; init; }
    public required string PolicyVersion { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public int BirthMonth { get; init; }
    public int BirthDay { get; init; }
    public string? Npi { get; init; }
    public string? LicenseState { get; init; }
    public string? LicenseId { get; init; }
    public List<BoardMembership> Boards { get; init; } = [];
    public DateTimeOffset ProfileAsOf { get; init; }

    /// <summary>When an erasure scrubbed its identifiers; null again once a later event under the policy collects them afresh.</summary>
    public DateTimeOffset? ErasedAt { get; init; }
}

public sealed record BoardMembership(string Board, string BoardId);
