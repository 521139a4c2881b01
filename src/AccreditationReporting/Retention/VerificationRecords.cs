using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What the purge of verification records deleted (one chunk, or a whole run's chunks added up).</summary>
/// <param name="LearnersSkipped">Learners with expired records that another transaction held (an ingestion, an erasure): the next run takes them.</param>
public sealed record VerificationRecordsPurged(
    int Learners, int Completions, int CreditAwards, int ExportLines, int LearnerProfiles, int ProfileRevisions, int LearnersSkipped = 0)
{
    public static readonly VerificationRecordsPurged None = new(0, 0, 0, 0, 0, 0);

    public VerificationRecordsPurged Plus(VerificationRecordsPurged other) => new(
        Learners + other.Learners, Completions + other.Completions, CreditAwards + other.CreditAwards, ExportLines + other.ExportLines,
        LearnerProfiles + other.LearnerProfiles, ProfileRevisions + other.ProfileRevisions, LearnersSkipped + other.LearnersSkipped);
}

/// <summary>
/// Deletes the verification record of activities whose retention has ended: their completions with
/// the credit awards and export lines, then what only they kept (a learner's profile under a policy
/// version with no completion left, its revisions, a learner with no completion left). Activities
/// stay: they hold no personal data, and batch manifests and counts name them.
/// </summary>
/// <remarks>
/// The work goes in chunks of learners, each in a transaction of its own (<see cref="RetentionPurge"/>),
/// so ingestion, erasure and rectification of a learner wait at most for one chunk, and a failure
/// loses one chunk's work rather than the night's.
/// </remarks>
internal static class VerificationRecords
{
    /// <summary>
    /// The learners with a completion of an activity that ended before <paramref name="endedBefore"/>,
    /// read once at the start of the run, outside any transaction and without locks. A completion
    /// stored later waits for the next run.
    /// </summary>
    public static async Task<List<long>> LearnersWithExpiredRecordsAsync(NpgsqlConnection connection, DateOnly endedBefore, CancellationToken cancellationToken)
    {
        var learners = new List<long>();
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT DISTINCT c.learner_key
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE a.end_date < $1
            ORDER BY c.learner_key
            """,
            endedBefore);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            learners.Add(reader.GetInt64(reader.GetOrdinal("learner_key")));
        }

        return learners;
    }

    /// <summary>
    /// Deletes the expired records of the chunk's learners, inside the chunk's transaction, which
    /// already holds every recipient's export batch lock (<see cref="Exports.ExportBatchLocks"/>).
    /// </summary>
    /// <param name="recipients">Every recipient that has batches (and the configured ones): the export lines are found through their key.</param>
    public static async Task<VerificationRecordsPurged> PurgeChunkAsync(
        NpgsqlConnection connection, IReadOnlyList<long> chunk, DateOnly endedBefore, string[] recipients, CancellationToken cancellationToken)
    {
        // The chunk's learners, locked until the commit: ingestion's upsert of a learner waits for
        // the lock, so no completion or profile of theirs is written while the chunk decides what is
        // left. SKIP LOCKED: a learner another transaction holds (an ingestion, an erasure, a
        // rectification) is left for the next run rather than waited for, so the purge never waits
        // for a learner while holding others, and cannot deadlock with ingestion, which locks
        // learners in its own order. A learner who comes back after the commit is a new learner.
        var learners = new List<long>();
        await using (var locked = SqlCommands.Create(
            connection,
            "SELECT l.id FROM accreditation.learners l WHERE l.id = ANY($1) ORDER BY l.id FOR UPDATE SKIP LOCKED",
            chunk.ToArray()))
        await using (var reader = await locked.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                learners.Add(reader.GetInt64(reader.GetOrdinal("id")));
            }
        }

        var skipped = chunk.Count - learners.Count;
        if (learners.Count == 0)
        {
            return VerificationRecordsPurged.None with { LearnersSkipped = skipped };
        }

        var keys = learners.ToArray();

        // Read after the lock: every completion of these learners is committed by now, and none can come.
        var completionIds = new List<long>();
        await using (var expired = SqlCommands.Create(
            connection,
            """
            SELECT c.id
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE c.learner_key = ANY($1) AND a.end_date < $2
            """,
            keys, endedBefore))
        await using (var reader = await expired.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                completionIds.Add(reader.GetInt64(reader.GetOrdinal("id")));
            }
        }

        var completions = completionIds.ToArray();
        var exportLines = await SqlCommands.RowsAsync(connection, DeleteExportLines, cancellationToken, recipients, completions);

        // Counted here rather than left to the cascade, so the audit entry can say how many went.
        var creditAwards = await SqlCommands.RowsAsync(
            connection, "DELETE FROM accreditation.credit_awards w WHERE w.completion_id = ANY($1)", cancellationToken, completions);

        // A completion is superseded only by one of the same learner and activity, so a whole chain
        // of superseded_by links goes in this one statement, and its key is checked at the
        // statement's end, when none of the chain is left.
        var completionsDeleted = await SqlCommands.RowsAsync(
            connection, "DELETE FROM accreditation.completions c WHERE c.id = ANY($1)", cancellationToken, completions);

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

        return new VerificationRecordsPurged(learnersDeleted, completionsDeleted, creditAwards, exportLines, profiles, revisions, skipped);
    }

    /// <summary>
    /// Through the lines' key (recipient, completion_id, action, batch_id): no index starts with the
    /// completion, so naming every recipient that has batches lets each chunk look its lines up
    /// instead of reading the table.
    /// </summary>
    internal const string DeleteExportLines =
        "DELETE FROM accreditation.export_lines line WHERE line.recipient = ANY($1) AND line.completion_id = ANY($2)";
}
