using System.Data;
using System.Globalization;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Audit;

/// <summary>What recomputing the chain found: the first broken link, if any, and the head to keep elsewhere.</summary>
/// <param name="PurgedThrough">Entries up to this one were deleted by the retention purge (0 when none were): the chain is checked from the next.</param>
public sealed record AuditVerification(long EntriesChecked, long? FirstBrokenId, string? Problem, long HeadId, string HeadHash, long PurgedThrough);

/// <summary>
/// Recomputes the chain from the first entry. A deleted entry shows as a gap in the numbers, an
/// edited one as a hash that no longer matches its content, an inserted or reordered one as a link
/// to the wrong predecessor. Entries cut off the end leave a shorter, intact chain: that is why the
/// head (its number and hash) is reported, for an auditor to compare with the head seen last time.
/// </summary>
/// <remarks>
/// <para>After a retention purge the chain starts from the newest anchor (<c>audit_purges</c>): the
/// purged entries' last number and hash. Why what is kept stays verifiable: every kept entry's hash
/// covers its predecessor's hash, so the first kept entry is bound to the last purged one, and from
/// there each link is checked as before. Deleting the oldest entries removes evidence of the oldest
/// events only; it cannot hide a change to a kept entry, which still breaks its own hash.</para>
/// <para>The anchor itself is a plain row, so it is checked against the chain: the purge that wrote
/// it wrote, in the same transaction, a <c>retention.purge</c> entry repeating its number and hash,
/// and that entry is keyed like every other. An anchor moved forward by someone deleting more entries
/// (whose hashes are readable in the table) has no such entry, and the check fails. The entry stays
/// until a later purge deletes it, and that purge writes a newer anchor with an entry of its own.</para>
/// <para>After a key rotation an entry is checked with the key that was current when it was written:
/// the earliest of the configured keys, not older than the previous entry's, whose hash matches. Keys
/// only move forward along the chain, so a retired key keys nothing after the first entry of a newer one.</para>
/// </remarks>
public sealed class AuditVerifier(ReportingDbContext db, AuditChainKey key)
{
    /// <summary>The details of a <c>retention.purge</c> entry that name the anchor its purge wrote.</summary>
    public const string PurgedThroughDetail = "audit_purged_through";
    public const string LastHashDetail = "audit_last_hash";

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        // One snapshot for the anchor and the entries: a purge committing in between would otherwise
        // look like missing entries.
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var anchor = await db.AuditPurges.AsNoTracking().OrderByDescending(p => p.PurgedThrough).FirstOrDefaultAsync(cancellationToken);
        var purgedThrough = anchor?.PurgedThrough ?? 0;
        var anchorRecorded = anchor is null;

        long checkedCount = 0;
        var previousId = purgedThrough;
        var previousHash = anchor?.LastHash ?? AuditChain.Genesis;
        var keys = key.InOrder;
        var keyIndex = 0;
        await foreach (var entry in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var broken =
                entry.Id <= purgedThrough ? $"entry {entry.Id} is still there, but the retention purge anchor says entries up to {purgedThrough} were deleted"
                : entry.Id != previousId + 1 ? $"entry {entry.Id} follows entry {previousId}: entries {previousId + 1} to {entry.Id - 1} are missing"
                : entry.PreviousHash != previousHash ? previousId == purgedThrough && anchor is not null
                    ? $"entry {entry.Id} does not link to the retention purge anchor (entries up to {purgedThrough} deleted; its previous hash differs)"
                    : $"entry {entry.Id} does not link to entry {previousId} (its previous hash differs)"
                : null;
            var keyedWith = broken is null ? KeyOf(entry, previousHash, keys, keyIndex) : null;
            var problem = broken ?? (keyedWith is not null ? null
                : keyIndex > 0 ? $"entry {entry.Id} was changed after it was written (its content does not match its hash under the chain key of entry {previousId} or a newer one)"
                : $"entry {entry.Id} was changed after it was written (its content does not match its hash)");
            if (problem is not null)
            {
                return new AuditVerification(checkedCount, entry.Id, problem, previousId, previousHash, purgedThrough);
            }

            keyIndex = keyedWith!.Value;
            anchorRecorded |= Records(entry, anchor);
            checkedCount++;
            previousId = entry.Id;
            previousHash = entry.Hash;
        }

        if (!anchorRecorded)
        {
            return new AuditVerification(
                0, purgedThrough + 1,
                $"the retention purge anchor (entries up to {purgedThrough} deleted) is recorded by no retention.purge entry: it was not written by the purge",
                purgedThrough, anchor!.LastHash, purgedThrough);
        }

        return new AuditVerification(checkedCount, null, null, previousId, previousHash, purgedThrough);
    }

    /// <summary>The first key, from <paramref name="from"/> on, under which the entry's hash matches; null when none does.</summary>
    private static int? KeyOf(AuditEvent entry, string previousHash, IReadOnlyList<byte[]> keys, int from)
    {
        for (var i = from; i < keys.Count; i++)
        {
            if (AuditChain.Hash(keys[i], previousHash, entry) == entry.Hash)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Whether a verified entry is the purge's own record of <paramref name="anchor"/>.</summary>
    private static bool Records(AuditEvent entry, AuditPurge? anchor) =>
        anchor is not null
        && entry.Action == AuditActions.RetentionPurge
        && entry.Details.GetValueOrDefault(PurgedThroughDetail) == anchor.PurgedThrough.ToString(CultureInfo.InvariantCulture)
        && entry.Details.GetValueOrDefault(LastHashDetail) == anchor.LastHash;
}
