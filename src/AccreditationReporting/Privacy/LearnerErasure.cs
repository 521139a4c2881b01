using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Privacy;

/// <summary>What an erasure request did.</summary>
/// <param name="ErasedAt">When the learner's data was erased: now, or the earlier erasure's time when there was nothing left to erase.</param>
public sealed record ErasureOutcome(long RequestId, long LearnerKey, int CompletionsErased, DateTimeOffset ErasedAt, bool AlreadyErased);

/// <summary>
/// The learner's right to erasure (GDPR Art. 17) inside the accreditation retention period
/// (../shared/DOMAIN.md, "Retention and learner rights"): what verification does not need is
/// deleted, the verification record is kept under Art. 17(3)(b), and the request is recorded. The
/// caller (the privacy office) has verified the requester's identity first; its reference says so.
/// </summary>
/// <remarks>
/// <para>Deleted: the learner's email, birth year, NPI, licence state and ID, board memberships
/// and board IDs; each completion's quiz score; the payloads of the learner's rejected messages
/// (raw events, kept for replay). Completions and the inbox keep no raw event.</para>
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
/// counting it: no learner appears in them. Batch files already made stay as they are, as the
/// record of what was submitted.</para>
/// </remarks>
public sealed class LearnerErasure(ReportingDbContext db, AuditTrail audit, TimeProvider time, ILogger<LearnerErasure> logger)
{
    public const string LegalBasis =
        "GDPR Art. 17(3)(b): accreditation record retention (6 years from the activity date, ACCME attendance records rule). " +
        "Kept: name, birth month and day, profession, country, activity, completion date, evaluation completed, " +
        "credits claimed and awarded, MOC points, policy version and permissions.";

    /// <summary>Null when no learner is stored under <paramref name="learnerId"/>.</summary>
    public async Task<ErasureOutcome?> EraseAsync(string learnerId, string requestReference, AuditActor actor, CancellationToken cancellationToken)
    {
        // To the microsecond, as PostgreSQL keeps it: a repeated request answers with the very time stored.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The lock orders this against ingestion, whose upsert of the learner waits for it: an event
        // stored before it is erased here, one stored after it is a new collection.
        var found = await db.Learners
            .FromSql($"SELECT * FROM accreditation.learners WHERE learner_id = {learnerId} FOR UPDATE")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (found is not [var learner])
        {
            return null;
        }

        var completions = await db.Completions
            .Where(c => c.LearnerKey == learner.Id && c.ErasedAt == null)
            .ExecuteUpdateAsync(
                set => set.SetProperty(c => c.AssessmentScore, (decimal?)null).SetProperty(c => c.ErasedAt, now),
                cancellationToken);

        var alreadyErased = learner.ErasedAt is not null && completions == 0;
        if (!alreadyErased)
        {
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
        }

        var payloads = await DeleteRejectedPayloadsAsync(learnerId, cancellationToken);
        var request = new ErasureRequest
        {
            LearnerKey = learner.Id,
            RequestReference = requestReference,
            Actor = actor.Accountable,
            ReceivedAt = now,
            CompletionsErased = completions,
            AlreadyErased = alreadyErased,
            LegalBasis = LegalBasis,
        };
        db.ErasureRequests.Add(request);
        await db.SaveChangesAsync(cancellationToken);

        // The trail's entry commits with the erasure or not at all; it points at the request's record.
        await audit.AppendAsync(
            new AuditEntry(actor, AuditActions.LearnerErase, AuditOutcomes.Ok, AuditEntry.Learner(learner.Id))
            {
                Details = new Dictionary<string, string>
                {
                    ["erasure_request"] = request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["request_reference"] = requestReference,
                    ["completions_erased"] = completions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["rejected_payloads_deleted"] = payloads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["already_erased"] = alreadyErased ? "true" : "false",
                },
            },
            cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        // The learner key only: the publisher's learner ID and the request reference stay in the database.
        logger.LogInformation(
            "Erasure request {RequestId} for learner key {LearnerKey}: {Completions} completions erased, {Payloads} rejected payloads deleted, already erased: {AlreadyErased}",
            request.Id, learner.Id, completions, payloads, alreadyErased);
        return new ErasureOutcome(request.Id, learner.Id, completions, alreadyErased ? learner.ErasedAt!.Value : now, alreadyErased);
    }

    /// <summary>
    /// Rejected messages keep their raw payload for replay. Which learner one is about is only known
    /// by reading it; payloads are kept for <c>Ingestion:RejectedPayloadRetention</c> at most, so
    /// reading them all stays bounded. Done on every request: a payload that came after an earlier
    /// erasure is the learner's data too.
    /// </summary>
    private async Task<int> DeleteRejectedPayloadsAsync(string learnerId, CancellationToken cancellationToken)
    {
        var about = new List<long>();
        await foreach (var rejected in db.RejectedEvents.AsNoTracking()
            .Where(r => r.Payload != null)
            .Select(r => new { r.Id, r.Payload })
            .AsAsyncEnumerable()
            .WithCancellation(cancellationToken))
        {
            if (RejectedPayloads.AreAbout(rejected.Payload!, learnerId))
            {
                about.Add(rejected.Id);
            }
        }

        if (about.Count == 0)
        {
            return 0;
        }

        return await db.RejectedEvents
            .Where(r => about.Contains(r.Id))
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.Payload, (byte[]?)null), cancellationToken);
    }
}
