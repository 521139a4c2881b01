using System.Security.Cryptography;

namespace AccreditationReporting.Ingestion;

/// <summary>A message as it came off the bus: what a rejection needs to be recorded and replayed.</summary>
public sealed record ReceivedMessage(Guid? MessageId, string? ContentType, ReadOnlyMemory<byte> Body, DateTimeOffset ReceivedAt)
{
    public RejectedEvent Reject(Guid? eventId, IReadOnlyList<Rejection> violations, TimeSpan payloadRetention) =>
        Reject(eventId, violations, (TimeSpan?)payloadRetention);

    /// <summary>Over <c>Ingestion:MaxEventBytes</c>, whatever else is wrong with it.</summary>
    public bool IsLargerThan(int maxEventBytes) => Body.Length > maxEventBytes;

    /// <summary>A body too large to keep is recorded without its payload, so a publisher cannot fill the database.</summary>
    public RejectedEvent RejectAsTooLarge(Guid? eventId, int maxEventBytes) =>
        Reject(eventId, [new Rejection(RuleCodes.TooLarge, "$", $"is larger than {maxEventBytes} bytes (Ingestion:MaxEventBytes)")], payloadRetention: null);

    /// <param name="payloadRetention">How long the payload is kept for replay; null keeps none.</param>
    private RejectedEvent Reject(Guid? eventId, IReadOnlyList<Rejection> violations, TimeSpan? payloadRetention) => new()
    {
        EventId = eventId,
        MessageId = MessageId,
        ReceivedAt = ReceivedAt,
        LastReceivedAt = ReceivedAt,
        Violations = [.. violations.Select(Bounded)],
        RuleCode = violations[0].Code,
        Field = Bounded(violations[0]).Field,
        Payload = payloadRetention is null ? null : RejectedPayloads.Minimised(Body),
        LearnerId = RejectedPayloads.LearnerIdIn(Body),
        ContentType = ContentType,
        PayloadExpiresAt = ReceivedAt + payloadRetention,
        PayloadDigest = SHA256.HashData(Body.Span),
        Status = RejectionStatus.Open,
    };

    /// <summary>Field paths come from the message (array indexes, property names): keep them to a column's size.</summary>
    private static Rejection Bounded(Rejection rejection) =>
        rejection.Field.Length <= 200 ? rejection : rejection with { Field = rejection.Field[..200] };
}
