namespace AccreditationReporting.Privacy;

/// <summary>
/// A change to values of a learner's profile that recipients may hold: by a rectification, or by a
/// later event that describes the learner differently. It names the export fields whose values
/// changed, never the values. A batch that sent one of those fields of a completion under the same
/// learner and policy before the change (the change's transaction was not visible to the batch)
/// gets that completion corrected in the recipient's next batch.
/// </summary>
public sealed class ProfileRevision
{
    public long Id { get; init; }
    public long LearnerKey { get; init; }
    public required string PolicyVersion { get; init; }
    public DateTimeOffset RevisedAt { get; init; }

    /// <summary>Export field names (<c>first-name</c>, <c>licensing-id-or-npi</c>, ...).</summary>
    public List<string> Fields { get; init; } = [];

    /// <summary><c>rectification</c>, <c>event</c>, or <c>migration</c> (identifiers sent under another policy before profiles were kept per policy).</summary>
    public required string Cause { get; init; }

    public const string Rectification = "rectification";
    public const string LaterEvent = "event";
}
