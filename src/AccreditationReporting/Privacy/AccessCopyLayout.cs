namespace AccreditationReporting.Privacy;

/// <summary>
/// The access copy's JSON document (docs/access-copy.md), property by property in the order it is
/// written. It is a contract with the privacy office and the learner, so it is spelled out here
/// rather than serialised from the entities: renaming a column or an enum member must not change it.
/// Values are the contract's words (<c>ama-pra-category-1</c>, <c>physician</c>), never C# names.
/// </summary>
public static class AccessCopyLayout
{
    /// <summary>Bumped when a property changes meaning or is removed; adding one does not.</summary>
    public const int Version = 1;

    public sealed record Document(
        int LayoutVersion,
        DateTimeOffset GeneratedAt,
        string RequestReference,
        string LearnerId,
        Learner? Learner,
        IReadOnlyList<Profile> Profiles,
        IReadOnlyList<Completion> Completions,
        IReadOnlyList<ProfileRevision> ProfileRevisions,
        IReadOnlyList<ErasureRequest> ErasureRequests,
        IReadOnlyList<RejectedEvent> RejectedEvents,
        IReadOnlyList<Disclosure> Disclosures,
        IReadOnlyList<CountsOnly> CountedIn);

    /// <summary>What every policy shares: the learner row.</summary>
    public sealed record Learner(string Profession, string Country, DateTimeOffset ProfileAsOf, DateTimeOffset? ErasedAt);

    /// <summary>What was collected under one policy version.</summary>
    public sealed record Profile(
        string PolicyVersion, string FirstName, string LastName, int BirthMonth, int BirthDay, string? Npi,
        string? LicenseState, string? LicenseId, IReadOnlyList<BoardMembership> Boards, DateTimeOffset ProfileAsOf, DateTimeOffset? ErasedAt);

    public sealed record BoardMembership(string Board, string BoardId);

    public sealed record Completion(
        string EventId,
        Activity Activity,
        DateOnly CompletedOn,
        DateTimeOffset OccurredAt,
        DateTimeOffset ReceivedAt,
        string PolicyVersion,
        decimal? AssessmentScore,
        bool EvaluationCompleted,
        Consents Consents,
        bool Current,
        string? SupersededByEventId,
        DateTimeOffset? SupersededAt,
        DateTimeOffset? ErasedAt,
        IReadOnlyList<CreditAward> CreditAwards);

    public sealed record Activity(
        string ActivityId, string Title, string Format, DateOnly StartDate, DateOnly EndDate, string? AccmeActivityId,
        string? EaccmeEventCode, string? JointProvider);

    public sealed record Consents(bool BoardReporting, bool StateBoardReporting);

    public sealed record CreditAward(
        string CreditType, string? Board, string? MocCreditType, decimal Claimed, decimal Awarded, string? NotAwardedReason);

    /// <summary>Which export fields of a profile changed, never the values.</summary>
    public sealed record ProfileRevision(string PolicyVersion, DateTimeOffset RevisedAt, string Cause, IReadOnlyList<string> Fields);

    public sealed record ErasureRequest(
        string RequestReference, DateTimeOffset ReceivedAt, int CompletionsErased, bool AlreadyErased, int RejectedPayloadsDeleted,
        string LegalBasis);

    /// <summary>A message about the learner that was not stored: what was wrong with it, never the message.</summary>
    public sealed record RejectedEvent(
        long Id, string? EventId, DateTimeOffset ReceivedAt, DateTimeOffset LastReceivedAt, int TimesReceived, string Status,
        DateTimeOffset? ResolvedAt, IReadOnlyList<Violation> Violations, bool PayloadKept, DateTimeOffset? PayloadExpiresAt);

    public sealed record Violation(string Code, string Field, string Reason);

    /// <summary>
    /// Rows of one completion that one batch sent to one recipient (GDPR Art. 15(1)(c)): which fields
    /// they held, and how the file left.
    /// </summary>
    /// <param name="Action"><c>add</c> (the completion was sent) or <c>delete</c> (it was withdrawn, repeating what was sent).</param>
    /// <param name="File"><c>kept</c>, <c>redacted</c> (an erasure removed values from the stored copy) or <c>purged</c> (the retention purge deleted it).</param>
    /// <param name="FieldsSent">Fields with a value in those rows, in column order; read from the stored file, so after a
    /// redaction they may be fewer than were sent, and null when the file or the rows are gone.</param>
    /// <param name="FileColumns">Every field the batch's file had: what may have been sent when <paramref name="FieldsSent"/> is null.</param>
    public sealed record Disclosure(
        string Recipient,
        long BatchId,
        DateTimeOffset BatchCreatedAt,
        string FileName,
        string EventId,
        string ActivityId,
        string Action,
        int Rows,
        string File,
        IReadOnlyList<string>? FieldsSent,
        IReadOnlyList<string> FileColumns,
        IReadOnlyList<Download> Downloads,
        Delivery? Delivery,
        IReadOnlyList<Submission> Submissions);

    /// <summary>A completed download of the batch by staff (the audit trail's <c>batch.download</c>).</summary>
    public sealed record Download(DateTimeOffset At, string By);

    /// <summary>The batch pushed to the recipient's endpoint.</summary>
    public sealed record Delivery(DateTimeOffset DeliveredAt, string? DeliveredTo);

    /// <summary>Staff's record of handing the batch to the recipient.</summary>
    public sealed record Submission(DateTimeOffset SubmittedAt, string Method, string SubmittedBy, string Outcome);

    /// <summary>
    /// Counts-only files (PARS activity summary, EACCME event report) that counted the learner's
    /// completions: no personal data left in them, only totals.
    /// </summary>
    public sealed record CountsOnly(string Recipient, int Completions, int Batches);
}

/// <summary>The words the access copy writes for stored enum values.</summary>
internal static class AccessCopyWords
{
    /// <summary>As the event contract spells credit types (README, "Publishing a completion").</summary>
    public static string Of(Credits.CreditType creditType) => creditType switch
    {
        Credits.CreditType.AmaPraCategory1 => "ama-pra-category-1",
        Credits.CreditType.Ecmec => "ecmec",
        Credits.CreditType.Moc => "moc",
        Credits.CreditType.Participation => "participation",
        _ => throw new ArgumentOutOfRangeException(nameof(creditType), creditType, "a credit type the access copy has no word for"),
    };

    /// <summary><c>physician</c>, <c>open</c>, <c>accepted-with-errors</c>: the member's name in lower-case words.</summary>
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
