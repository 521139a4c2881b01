using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What the purge of verification records deleted.</summary>
public sealed record VerificationRecordsPurged(
    int Learners, int Completions, int CreditAwards, int ExportLines, int LearnerProfiles, int ProfileRevisions);

/// <summary>
/// Deletes the verification record of activities whose retention has ended: their completions with
/// the credit awards and export lines, then what only they kept (a learner's profile under a policy
/// version with no completion left, its revisions, a learner with no completion left). Activities
/// stay: they hold no personal data, and batch manifests and counts name them.
/// </summary>
internal static class VerificationRecords
{
    /// <summary>Runs inside the purge's transaction on <paramref name="connection"/>.</summary>
    public static async Task<VerificationRecordsPurged> PurgeAsync(NpgsqlConnection connection, DateOnly endedBefore, CancellationToken cancellationToken)
    {
        // The learners first, locked until the commit: ingestion's upsert of a learner waits for the
        // lock, so no completion or profile of theirs is written while the purge decides what is
        // left. The statements below see everything committed before the lock (each statement reads
        // afresh), and touch only these learners: a completion of an expired activity stored by a
        // learner not locked here waits for the next run. A learner who comes back after the commit
        // is a new learner. (Ingestion may lock two of these learners in the other order; PostgreSQL
        // then ends one of the two with a deadlock error: ingestion retries its batch, the purge runs
        // again at its next occurrence.)
        var learners = new List<long>();
        await using (var locked = SqlCommands.Create(
            connection,
            """
            SELECT l.id
            FROM accreditation.learners l
            WHERE l.id IN (
                SELECT c.learner_key
                FROM accreditation.completions c
                JOIN accreditation.activities a ON a.id = c.activity_key
                WHERE a.end_date < $1)
            ORDER BY l.id
            FOR UPDATE OF l
            """,
            endedBefore))
        await using (var reader = await locked.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                learners.Add(reader.GetInt64(reader.GetOrdinal("id")));
            }
        }

        if (learners.Count == 0)
        {
            return new VerificationRecordsPurged(0, 0, 0, 0, 0, 0);
        }

        var keys = learners.ToArray();

        // export_lines has no index that starts with the completion: this reads the table once, in
        // a run a day.
        var exportLines = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.export_lines line
            USING accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE line.completion_id = c.id AND a.end_date < $1 AND c.learner_key = ANY($2)
            """,
            cancellationToken,
            endedBefore, keys);

        // Counted here rather than left to the cascade, so the audit entry can say how many went.
        var creditAwards = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.credit_awards w
            USING accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE w.completion_id = c.id AND a.end_date < $1 AND c.learner_key = ANY($2)
            """,
            cancellationToken,
            endedBefore, keys);

        // A completion is superseded only by one of the same learner and activity, so a whole chain
        // of superseded_by links goes in this one statement, and its key is checked at the
        // statement's end, when none of the chain is left.
        var completions = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.completions c
            USING accreditation.activities a
            WHERE a.id = c.activity_key AND a.end_date < $1 AND c.learner_key = ANY($2)
            """,
            cancellationToken,
            endedBefore, keys);

        // A profile serves only the completions of its policy version.
        var profiles = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.learner_profiles p
            WHERE p.learner_key = ANY($1)
                AND NOT EXISTS (
                    SELECT 1 FROM accreditation.completions c
                    WHERE c.learner_key = p.learner_key AND c.policy_version = p.policy_version)
            """,
            cancellationToken,
            keys);

        var revisions = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.profile_revisions r
            WHERE r.learner_key = ANY($1)
                AND NOT EXISTS (
                    SELECT 1 FROM accreditation.learner_profiles p
                    WHERE p.learner_key = r.learner_key AND p.policy_version = r.policy_version)
            """,
            cancellationToken,
            keys);

        // erasure_requests keeps the key of an erased learner deleted here: it is the privacy
        // office's register, and a key alone names nobody once the learner is gone.
        var learnersDeleted = await SqlCommands.RowsAsync(
            connection,
            """
            DELETE FROM accreditation.learners l
            WHERE l.id = ANY($1)
                AND NOT EXISTS (SELECT 1 FROM accreditation.completions c WHERE c.learner_key = l.id)
            """,
            cancellationToken,
            keys);

        return new VerificationRecordsPurged(learnersDeleted, completions, creditAwards, exportLines, profiles, revisions);
    }
}
