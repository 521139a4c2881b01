using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Audit;

/// <summary>What recomputing the chain found: the first broken link, if any, and the head to keep elsewhere.</summary>
public sealed record AuditVerification(long EntriesChecked, long? FirstBrokenId, string? Problem, long HeadId, string HeadHash);

/// <summary>
/// Recomputes the chain from the first entry. A deleted entry shows as a gap in the numbers, an
/// edited one as a hash that no longer matches its content, an inserted or reordered one as a link
/// to the wrong predecessor. Entries cut off the end leave a shorter, intact chain: that is why the
/// head (its number and hash) is reported, for an auditor to compare with the head seen last time.
/// </summary>
public sealed class AuditVerifier(ReportingDbContext db, AuditChainKey key)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        long checkedCount = 0;
        long previousId = 0;
        var previousHash = AuditChain.Genesis;
        await foreach (var entry in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var problem =
                entry.Id != previousId + 1 ? $"entry {entry.Id} follows entry {previousId}: entries {previousId + 1} to {entry.Id - 1} are missing"
                : entry.PreviousHash != previousHash ? $"entry {entry.Id} does not link to entry {previousId} (its previous hash differs)"
                : AuditChain.Hash(key, previousHash, entry) != entry.Hash ? $"entry {entry.Id} was changed after it was written (its content does not match its hash)"
                : null;
            if (problem is not null)
            {
                return new AuditVerification(checkedCount, entry.Id, problem, previousId, previousHash);
            }

            checkedCount++;
            previousId = entry.Id;
            previousHash = entry.Hash;
        }

        return new AuditVerification(checkedCount, null, null, previousId, previousHash);
    }
}
