using AccreditationReporting.Audit;
using System.Globalization;
using AccreditationReporting.Completions;
using AccreditationReporting.Exports;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Privacy;

/// <summary>What an erasure request did.</summary>
/// <param name="LearnerKey">Null when only rejected messages were stored about the learner.</param>
/// <param name="ErasedAt">When the learner's data was erased: now, or the earlier erasure's time when there was nothing left to erase.</param>
/// <param name="BatchesRedacted">Earlier batch files whose copies no longer hold the erased values.</param>
public sealed record ErasureOutcome(
    long RequestId, long? LearnerKey, int CompletionsErased, DateTimeOffset ErasedAt, bool AlreadyErased,
    int RejectedPayloadsDeleted, IReadOnlyList<RedactedBatch> BatchesRedacted);

/// <summary>
/// The learner's right to erasure (GDPR Art. 17) inside the accreditation retention period
/// (../shared/DOMAIN.md, "Retention and learner rights"): what verification does not need is
/// deleted, the verification record is kept under Art. 17(3)(b), and the request is recorded. The
/// caller (the privacy office) has verified the requester's identity first; its reference says so.
/// </summary>
/// <remarks>
/// <para>Deleted: the NPI, licence state and ID, board memberships and board IDs of every profile;
/// each completion's quiz score; the payloads of the learner's rejected messages (raw events, kept
/// for replay), and what linked those rejections to the learner. Email and birth year were never
/// stored. Completions and the inbox keep no raw event.</para>
/// <para>Kept, for verifying the physician's participation for 6 years from the activity date:
/// first and last name; activity; completion date; whether the evaluation was completed (a credit
/// condition, and EACCME's feedback count); credits claimed and awarded and MOC points with their
/// boards (<c>credit_awards</c>). Also kept:</para>
/// <list type="bullet">
/// <item>birth month and day: PARS knows a physician by name and birth MM/DD, so it is what tells
/// two namesakes apart in a verification.</item>
/// <item>profession and country (NOT NULL): the PARS activity summary recounts physicians and other
/// learners over every counted completion in each file, so the profession must not change.</item>
/// <item>each completion's policy version and permissions: the Delete rows for what PARS already
/// holds are gated by them, so they must match the rows that were sent.</item>
/// </list>
/// <para>Exports never write an erased completion again: one already sent gets a Delete (PARS) or a
/// withdrawal (joint provider); one not yet sent is excluded as <c>erased</c>. Counts-only files keep
/// counting it: no learner appears in them. Files of earlier batches that hold the completion's rows
/// are replaced by redacted copies (<see cref="BatchRedaction"/>); each keeps the SHA-256 of the
/// file as sent.</para>
/// </remarks>
internal sealed class LearnerErasure(
    ReportingDbContext db, BatchRedaction redaction, AuditTrail audit, TimeProvider time, ILogger<LearnerErasure> logger)
{
    public const string LegalBasis =
        "GDPR Art. 17(3)(b): accreditation record retention (6 years from the activity date, ACCME attendance records rule). " +
        "Kept: name, birth month and day, profession, country, activity, completion date, evaluation completed, " +
        "credits claimed and awarded, MOC points, policy version and permissions.";

    /// <summary>The export fields whose values erasure deletes, emptied in the files of earlier batches too.</summary>
    public static readonly IReadOnlySet<string> ErasedFields = new HashSet<string>(StringComparer.Ordinal)
    {
        ProfileFields.LicensingState, ProfileFields.LicensingIdOrNpi, ProfileFields.CertifyingBoardId, "quiz-score",
    };

    /// <summary>
    /// A joint provider's certifying boards are the learner's board memberships, which erasure deletes;
    /// PARS's come from the MOC awards, which are kept.
    /// </summary>
    private static readonly IReadOnlySet<string> JointProviderErasedFields = new HashSet<string>(ErasedFields, StringComparer.Ordinal)
    {
        ProfileFields.CertifyingBoard,
    };

    /// <summary>The fields erasure empties in <paramref name="recipient"/>'s files.</summary>
    public static IReadOnlySet<string> ErasedFieldsOf(string recipient) =>
        Exports.Recipients.IsJointProvider(recipient)
            ? JointProviderErasedFields
            : ErasedFields;

    /// <summary>Null when nothing is stored about <paramref name="learnerId"/>: no learner and no rejected message.</summary>
    public async Task<ErasureOutcome?> EraseAsync(string learnerId, string requestReference, AuditActor actor, CancellationToken cancellationToken)
    {
        // To the microsecond, as PostgreSQL keeps it: a repeated request answers with the very time stored.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();

        // The lock orders this against ingestion, whose upsert of the learner waits for it: an event
        // stored before it is erased here, one stored after it is a new collection.
        var found = await db.Learners
            .FromSql($"SELECT * FROM accreditation.learners WHERE learner_id = {learnerId} FOR UPDATE")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var learner = found.SingleOrDefault();

        // Also when no learner is stored: a learner whose every event was rejected (one under 16,
        // say) has their data only in the payloads kept for replay.
        var (rejections, payloads) = await DeleteRejectedPayloadsAsync(connection, learnerId, cancellationToken);
        if (learner is null && rejections == 0)
        {
            return null;
        }

        var (completions, alreadyErased, redacted) = learner is null
            ? (0, false, new List<RedactedBatch>())
            : await EraseStoredAsync(connection, learner, now, cancellationToken);

        var request = new ErasureRequest
        {
            LearnerKey = learner?.Id,
            RequestReference = requestReference,
            Actor = actor.Accountable,
            ReceivedAt = now,
            CompletionsErased = completions,
            AlreadyErased = alreadyErased,
            RejectedPayloadsDeleted = payloads,
            LegalBasis = LegalBasis,
        };
        db.ErasureRequests.Add(request);
        await db.SaveChangesAsync(cancellationToken);

        // The trail's entry commits with the erasure or not at all; it points at the request's record
        // and names the batches by ID, never a value that was erased.
        await audit.AppendAsync(
            new AuditEntry(actor, AuditActions.LearnerErase, AuditOutcomes.Ok, learner is null ? null : AuditEntry.Learner(learner.Id))
            {
                Details = new Dictionary<string, string>
                {
                    ["erasure_request"] = request.Id.ToString(CultureInfo.InvariantCulture),
                    ["request_reference"] = requestReference,
                    ["completions_erased"] = completions.ToString(CultureInfo.InvariantCulture),
                    ["rejected_payloads_deleted"] = payloads.ToString(CultureInfo.InvariantCulture),
                    ["already_erased"] = alreadyErased ? "true" : "false",
                    ["batches_redacted"] = string.Join(",", redacted.Select(b => b.BatchId.ToString(CultureInfo.InvariantCulture))),
                },
            },
            cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        // The learner key only: the publisher's learner ID and the request reference stay in the database.
        logger.LogInformation(
            "Erasure request {RequestId} for learner key {LearnerKey}: {Completions} completions erased, {Payloads} rejected payloads deleted, {Batches} batch files redacted, already erased: {AlreadyErased}",
            request.Id, learner?.Id, completions, payloads, redacted.Count, alreadyErased);
        var erasedAt = alreadyErased ? learner!.ErasedAt!.Value : now;
        return new ErasureOutcome(request.Id, learner?.Id, completions, erasedAt, alreadyErased, payloads, redacted);
    }

    /// <summary>Scrubs the stored learner's profiles and completions, and redacts the files that carried them.</summary>
    private async Task<(int Completions, bool AlreadyErased, List<RedactedBatch> Redacted)> EraseStoredAsync(
        NpgsqlConnection connection, Learner learner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // No new completion of the learner can appear meanwhile: ingestion waits for the learner's lock.
        var completionIds = await db.Completions
            .Where(c => c.LearnerKey == learner.Id && c.ErasedAt == null)
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        await db.Completions
            .Where(c => completionIds.Contains(c.Id))
            .ExecuteUpdateAsync(
                set => set.SetProperty(c => c.AssessmentScore, (decimal?)null).SetProperty(c => c.ErasedAt, now),
                cancellationToken);

        var alreadyErased = learner.ErasedAt is not null && completionIds.Count == 0;
        if (alreadyErased)
        {
            return (0, true, []);
        }

        await db.LearnerProfiles
            .Where(p => p.LearnerKey == learner.Id)
            .ExecuteUpdateAsync(
                set => set
                    .SetProperty(p => p.Npi, (string?)null)
                    .SetProperty(p => p.LicenseState, (string?)null)
                    .SetProperty(p => p.LicenseId, (string?)null)
                    .SetProperty(p => p.Boards, new List<BoardMembership>())
                    .SetProperty(p => p.ErasedAt, now),
                cancellationToken);
        await db.Learners
            .Where(l => l.Id == learner.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.ErasedAt, now), cancellationToken);

        var redacted = completionIds.Count == 0
            ? []
            : await redaction.RedactAsync(
                connection, db.Database.GetConnectionString()!, completionIds, ErasedFieldsOf, now, cancellationToken);
        return (completionIds.Count, false, redacted);
    }

    /// <summary>
    /// Rejected messages keep their raw payload for replay. Those about the learner are found by the
    /// learner ID recorded at ingestion, and, for rejections recorded before it was (or whose ID was
    /// malformed), by reading the payload; payloads are kept for
    /// <c>Ingestion:RejectedPayloadRetention</c> at most, so reading them stays bounded. Done on
    /// every request: a payload that came after an earlier erasure is the learner's data too.
    /// </summary>
    /// <returns>The rejections found about the learner, and how many of them still had their payload.</returns>
    private async Task<(int Rejections, int PayloadsDeleted)> DeleteRejectedPayloadsAsync(
        NpgsqlConnection connection, string learnerId, CancellationToken cancellationToken)
    {
        var unattributed = new List<long>();
        await foreach (var rejected in db.RejectedEvents.AsNoTracking()
            .Where(r => r.Payload != null && r.LearnerId == null)
            .Select(r => new { r.Id, r.Payload })
            .AsAsyncEnumerable()
            .WithCancellation(cancellationToken))
        {
            if (RejectedPayloads.AreAbout(rejected.Payload!, learnerId))
            {
                unattributed.Add(rejected.Id);
            }
        }

        // Nothing links the rejection to the learner afterwards; the record of what was wrong stays.
        await using var command = SqlCommands.Create(
            connection,
            """
            WITH about AS (
                SELECT id, payload IS NOT NULL AS had_payload
                FROM accreditation.rejected_events
                WHERE learner_id = $1 OR id = ANY($2)
                FOR UPDATE)
            UPDATE accreditation.rejected_events r SET payload = NULL, learner_id = NULL
            FROM about
            WHERE r.id = about.id
            RETURNING about.had_payload
            """,
            learnerId, unattributed.ToArray());
        var (rejections, payloads) = (0, 0);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rejections++;
            payloads += reader.GetBoolean(reader.GetOrdinal("had_payload")) ? 1 : 0;
        }

        return (rejections, payloads);
    }
}
