using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Privacy;

/// <summary>The corrected values a rectification asks for; null leaves a value as it is.</summary>
/// <param name="PolicyVersion">Only the profile kept under this version; null for every profile of the learner.</param>
/// <param name="BoardIds">The corrected ID per board name.</param>
public sealed record Rectification(
    string? PolicyVersion, string? FirstName, string? LastName, int? BirthMonth, int? BirthDay,
    string? LicenseState, string? LicenseId, string? Npi, IReadOnlyDictionary<string, string> BoardIds);

public sealed record RectificationOutcome(DateTimeOffset RectifiedAt, int ProfilesCorrected, IReadOnlyList<string> FieldsCorrected);

/// <summary>
/// The learner's right to rectification (GDPR Art. 16). The privacy office has verified the
/// requester's identity and the correct values; its reference says so. A value is corrected only in
/// the profiles that hold one: a correction never adds an identifier to a policy it was not
/// collected under. Each profile that changed gets a <see cref="ProfileRevision"/> naming the export
/// fields that changed, and every recipient that was sent one of them gets a correction in its next
/// batch (<see cref="Exports.HeldCompletions"/>).
/// </summary>
/// <remarks>
/// The corrected profile counts as described at the time of the rectification: an event that
/// occurred before it (a late delivery, a replay) no longer changes it; one that occurred after it
/// describes the learner afresh, with whatever the publisher sends.
/// </remarks>
public sealed class LearnerRectification(ReportingDbContext db, AuditTrail audit, TimeProvider time, ILogger<LearnerRectification> logger)
{
    /// <summary>Null when no learner is stored under <paramref name="learnerId"/>.</summary>
    public async Task<RectificationOutcome?> RectifyAsync(
        string learnerId, string requestReference, Rectification correction, AuditActor actor, CancellationToken cancellationToken)
    {
        // To the microsecond, as PostgreSQL keeps it.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The learner's row lock orders this against ingestion's upsert and an erasure.
        var found = await db.Learners
            .FromSql($"SELECT * FROM accreditation.learners WHERE learner_id = {learnerId} FOR UPDATE")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (found is not [var learner])
        {
            return null;
        }

        var profiles = await db.LearnerProfiles.AsNoTracking()
            .Where(p => p.LearnerKey == learner.Id && (correction.PolicyVersion == null || p.PolicyVersion == correction.PolicyVersion))
            .OrderBy(p => p.PolicyVersion)
            .ToListAsync(cancellationToken);
        var corrected = 0;
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            var changed = Changes(profile, correction, out var after);
            if (changed.Count == 0)
            {
                continue;
            }

            await db.LearnerProfiles
                .Where(p => p.LearnerKey == profile.LearnerKey && p.PolicyVersion == profile.PolicyVersion)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(p => p.FirstName, after.FirstName)
                        .SetProperty(p => p.LastName, after.LastName)
                        .SetProperty(p => p.BirthMonth, after.BirthMonth)
                        .SetProperty(p => p.BirthDay, after.BirthDay)
                        .SetProperty(p => p.LicenseState, after.LicenseState)
                        .SetProperty(p => p.LicenseId, after.LicenseId)
                        .SetProperty(p => p.Npi, after.Npi)
                        .SetProperty(p => p.Boards, after.Boards)
                        .SetProperty(p => p.ProfileAsOf, profile.ProfileAsOf > now ? profile.ProfileAsOf : now),
                    cancellationToken);
            db.ProfileRevisions.Add(new ProfileRevision
            {
                LearnerKey = learner.Id, PolicyVersion = profile.PolicyVersion, RevisedAt = now, Fields = changed, Cause = ProfileRevision.Rectification,
            });
            corrected++;
            fields.UnionWith(changed);
        }

        await db.SaveChangesAsync(cancellationToken);

        // The trail's entry commits with the correction or not at all; it names fields, never values.
        await audit.AppendAsync(
            new AuditEntry(actor, AuditActions.LearnerRectify, AuditOutcomes.Ok, AuditEntry.Learner(learner.Id))
            {
                Details = new Dictionary<string, string>
                {
                    ["request_reference"] = requestReference,
                    ["profiles_corrected"] = corrected.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["fields_corrected"] = string.Join(",", fields),
                    ["policy_version"] = correction.PolicyVersion ?? "all",
                },
            },
            cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        logger.LogInformation(
            "Rectification for learner key {LearnerKey}: {Profiles} profiles corrected, fields {Fields}", learner.Id, corrected, string.Join(",", fields));
        return new RectificationOutcome(now, corrected, [.. fields]);
    }

    /// <summary>The profile as corrected, and the export fields whose values that changes.</summary>
    private static List<string> Changes(LearnerProfile before, Rectification correction, out LearnerProfile after)
    {
        var boards = before.Boards
            .Select(b => correction.BoardIds.TryGetValue(b.Board, out var id) ? b with { BoardId = id } : b)
            .OrderBy(b => b.Board, StringComparer.Ordinal).ThenBy(b => b.BoardId, StringComparer.Ordinal)
            .ToList();
        after = new LearnerProfile
        {
            LearnerKey = before.LearnerKey,
            PolicyVersion = before.PolicyVersion,
            FirstName = correction.FirstName ?? before.FirstName,
            LastName = correction.LastName ?? before.LastName,
            BirthMonth = correction.BirthMonth ?? before.BirthMonth,
            BirthDay = correction.BirthDay ?? before.BirthDay,

            // Only where the profile holds a value: what was not collected under a policy is not added to it.
            LicenseState = before.LicenseState is null ? null : correction.LicenseState ?? before.LicenseState,
            LicenseId = before.LicenseId is null ? null : correction.LicenseId ?? before.LicenseId,
            Npi = before.Npi is null ? null : correction.Npi ?? before.Npi,
            Boards = boards,
        };

        var changed = new List<string>();
        void If(bool differs, string field)
        {
            if (differs)
            {
                changed.Add(field);
            }
        }

        If(after.FirstName != before.FirstName, ProfileFields.FirstName);
        If(after.LastName != before.LastName, ProfileFields.LastName);
        If((after.BirthMonth, after.BirthDay) != (before.BirthMonth, before.BirthDay), ProfileFields.BirthMonthDay);
        If(after.LicenseState != before.LicenseState, ProfileFields.LicensingState);
        If((after.LicenseId ?? after.Npi) != (before.LicenseId ?? before.Npi), ProfileFields.LicensingIdOrNpi);
        If(!after.Boards.SequenceEqual(before.Boards), ProfileFields.CertifyingBoardId);
        return changed;
    }
}
