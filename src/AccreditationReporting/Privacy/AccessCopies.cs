using System.Data;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static AccreditationReporting.Privacy.AccessCopyLayout;

namespace AccreditationReporting.Privacy;

/// <summary>An access copy as built: the JSON document, its hash, and the learner it is about.</summary>
/// <param name="LearnerKey">Null when only rejected events name the learner.</param>
public sealed record AccessCopyDocument(byte[] Document, string Sha256, DateTimeOffset GeneratedAt, long? LearnerKey);

/// <summary>
/// The learner's right of access (GDPR Art. 15): everything stored about a learner ID, and every
/// disclosure of it (Art. 15(1)(c), the recipients), as one JSON document whose layout is
/// <see cref="AccessCopyLayout"/> (docs/access-copy.md). The privacy office has verified the
/// requester's identity first; its reference is written into the copy.
/// </summary>
/// <remarks>
/// Rejected events are listed without their payload: the raw message is kept only for replay, and
/// what it said about the learner is what the rest of the copy shows once stored. An erasure request
/// made before any learner row existed has no learner key, so it cannot be found by learner ID.
/// </remarks>
public sealed class AccessCopies(ReportingDbContext db, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // A document for the learner to read and for tools to parse: names stay as written
        // (O'Brien, Müller, 王) instead of \u escapes. JSON's own escapes (quote, backslash, control
        // characters) still apply; whoever shows it inside HTML escapes it for HTML, as with any text.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new UtcTimestamps() },
    };

    /// <summary>Null when nothing is stored about the learner: no learner row and no rejected event names them.</summary>
    public async Task<AccessCopyDocument?> BuildAsync(string learnerId, string requestReference, CancellationToken cancellationToken)
    {
        var generatedAt = time.GetUtcNow();

        // One snapshot for every read, so a batch or an erasure committing meanwhile cannot make the
        // copy contradict itself (a line whose batch is missing, a profile erased but a score kept).
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY", cancellationToken);

        var learner = await db.Learners.AsNoTracking().SingleOrDefaultAsync(l => l.LearnerId == learnerId, cancellationToken);
        var rejected = await RejectedEventsAsync(learnerId, cancellationToken);
        if (learner is null && rejected.Count == 0)
        {
            return null;
        }

        var document = learner is null
            ? new Document(AccessCopyLayout.Version, generatedAt, requestReference, learnerId, null, [], [], [], [], rejected, [], [])
            : await LearnerDocumentAsync(learner, generatedAt, requestReference, rejected, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, Json);
        return new AccessCopyDocument(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), generatedAt, learner?.Id);
    }

    private async Task<Document> LearnerDocumentAsync(
        Completions.Learner learner, DateTimeOffset generatedAt, string requestReference, List<RejectedEvent> rejected, CancellationToken cancellationToken)
    {
        var profiles = await db.LearnerProfiles.AsNoTracking()
            .Where(p => p.LearnerKey == learner.Id)
            .OrderBy(p => p.PolicyVersion)
            .ToListAsync(cancellationToken);
        var completions = await db.Completions.AsNoTracking()
            .Where(c => c.LearnerKey == learner.Id)
            .Include(c => c.Activity)
            .Include(c => c.Awards)
            .OrderBy(c => c.CompletedOn).ThenBy(c => c.OccurredAt).ThenBy(c => c.Id)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        var revisions = await db.ProfileRevisions.AsNoTracking()
            .Where(r => r.LearnerKey == learner.Id)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var erasures = await db.ErasureRequests.AsNoTracking()
            .Where(r => r.LearnerKey == learner.Id)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken);
        var (disclosures, countedIn) = await Disclosures.ReadAsync((NpgsqlConnection)db.Database.GetDbConnection(), learner.Id, cancellationToken);

        var eventIds = completions.ToDictionary(c => c.Id, c => c.EventId.ToString());
        return new Document(
            AccessCopyLayout.Version,
            generatedAt,
            requestReference,
            learner.LearnerId,
            new Learner(AccessCopyWords.Of(learner.Profession), learner.Country, learner.ProfileAsOf, learner.ErasedAt),
            profiles.Select(p => new Profile(
                p.PolicyVersion, p.FirstName, p.LastName, p.BirthMonth, p.BirthDay, p.Npi, p.LicenseState, p.LicenseId,
                p.Boards.Select(b => new BoardMembership(b.Board, b.BoardId)).ToList(), p.ProfileAsOf, p.ErasedAt)).ToList(),
            completions.Select(c => new Completion(
                c.EventId.ToString(),
                new Activity(
                    c.Activity!.ActivityId, c.Activity.Title, c.Activity.Format, c.Activity.StartDate, c.Activity.EndDate,
                    c.Activity.AccmeActivityId, c.Activity.EaccmeEventCode, c.Activity.JointProvider),
                c.CompletedOn,
                c.OccurredAt,
                c.ReceivedAt,
                c.PolicyVersion,
                c.AssessmentScore,
                c.EvaluationCompleted,
                new AccessCopyLayout.Consents(c.BoardReportingConsent, c.StateBoardReportingConsent),
                c.SupersededBy is null,
                c.SupersededBy is { } next ? eventIds.GetValueOrDefault(next) : null,
                c.SupersededAt,
                c.ErasedAt,
                c.Awards.OrderBy(a => a.Id).Select(a => new CreditAward(
                    AccessCopyWords.Of(a.CreditType), a.Board, a.MocCreditType, a.Claimed, a.Awarded, a.NotAwardedReason)).ToList())).ToList(),
            revisions.Select(r => new AccessCopyLayout.ProfileRevision(r.PolicyVersion, r.RevisedAt, r.Cause, r.Fields)).ToList(),
            erasures.Select(r => new AccessCopyLayout.ErasureRequest(
                r.RequestReference, r.ReceivedAt, r.CompletionsErased, r.AlreadyErased, r.RejectedPayloadsDeleted, r.LegalBasis)).ToList(),
            rejected,
            disclosures,
            countedIn);
    }

    /// <summary>The payload is never read: only whether it is still kept.</summary>
    private async Task<List<RejectedEvent>> RejectedEventsAsync(string learnerId, CancellationToken cancellationToken)
    {
        var rows = await db.RejectedEvents.AsNoTracking()
            .Where(r => r.LearnerId == learnerId)
            .OrderBy(r => r.Id)
            .Select(r => new
            {
                r.Id, r.EventId, r.ReceivedAt, r.LastReceivedAt, r.TimesReceived, r.Status, r.ResolvedAt, r.Violations,
                PayloadKept = r.Payload != null, r.PayloadExpiresAt,
            })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new RejectedEvent(
            r.Id, r.EventId?.ToString(), r.ReceivedAt, r.LastReceivedAt, r.TimesReceived, AccessCopyWords.Of(r.Status), r.ResolvedAt,
            r.Violations.Select(v => new Violation(v.Code, v.Field, v.Reason)).ToList(),
            r.PayloadKept,
            r.PayloadKept ? r.PayloadExpiresAt : null)).ToList();
    }
}

/// <summary>Every timestamp in UTC with a <c>Z</c> (<c>2026-11-20T15:04:05.123456Z</c>): one form for the whole document.</summary>
internal sealed class UtcTimestamps : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}
