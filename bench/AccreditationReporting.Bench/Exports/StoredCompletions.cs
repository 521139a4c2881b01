using System.Diagnostics;
using Npgsql;

namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// Stored completions written straight into the service's migrated schema, as years of ingestion
/// would have left them, without going through the broker (5M events would take hours). Every
/// completion is eligible for both the joint provider and PARS: collected under a policy that lets
/// data go to both (mayo-cme-2018-06-15, some ismrm-2016-11-21), for an activity with an ACCME
/// activity ID and a joint provider, with an AMA PRA Category 1 claim awarded, and with board or
/// state-board permission. Some learners also hold MOC awards, and one in twenty completions two of
/// them, which PARS sends as two rows.
/// </summary>
internal sealed record StoredCompletions(int Completions, int Learners, int Activities, long ParsRows, TimeSpan SeedTime)
{
    /// <summary>Enough that an activity has hundreds of completions, as a popular enduring course does.</summary>
    private const int MaxActivities = 4_000;

    /// <summary>Completions per learner: each learner took this many different activities.</summary>
    private const int PerLearner = 4;

    private static readonly string[] Tables = ["learners", "learner_profiles", "activities", "completions", "credit_awards"];

    /// <summary>Rows the joint provider's file holds: one per completion.</summary>
    public long JointProviderRows => Completions;

    public static async Task<StoredCompletions> SeedAsync(string postgres, int completions)
    {
        var learners = (completions + PerLearner - 1) / PerLearner;
        var activities = Math.Clamp(completions / 250, PerLearner, MaxActivities);
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();

        // The seed is not what is measured; the server keeps fsync on for the service's statements.
        await BulkLoad.ExecuteAsync(connection, "SET synchronous_commit = off");
        var load = await BulkLoad.PrepareAsync(connection, Tables);
        await BulkLoad.ExecuteAsync(connection, SeedSql.Learners, learners);
        await BulkLoad.ExecuteAsync(connection, SeedSql.LearnerProfiles, learners);
        await BulkLoad.ExecuteAsync(connection, SeedSql.Activities, activities);
        await BulkLoad.ExecuteAsync(connection, SeedSql.Completions, completions, activities, PerLearner);
        await BulkLoad.ExecuteAsync(connection, SeedSql.CreditAwards, completions, PerLearner);
        await load.RestoreAsync(connection);

        // Explicit keys leave the identity sequences behind; the service's own inserts need them past the seed.
        foreach (var (table, rows) in new[] { ("learners", learners), ("activities", activities), ("completions", completions) })
        {
            await BulkLoad.ExecuteAsync(connection, $"ALTER TABLE accreditation.{table} ALTER COLUMN id RESTART WITH {rows + 1}");
        }

        // Long-lived tables are vacuumed and analysed; freshly loaded ones are not, until autovacuum comes.
        await BulkLoad.ExecuteAsync(connection, $"VACUUM (ANALYZE) {string.Join(", ", Tables.Select(t => $"accreditation.{t}"))}");
        await CheckpointAsync(connection);
        return new StoredCompletions(completions, learners, activities, CountParsRows(completions), clock.Elapsed);
    }

    /// <summary>
    /// One row per completion plus one per second MOC award, by the same arithmetic as
    /// <see cref="SeedSql.CreditAwards"/>, so a wrong file size is caught rather than reproduced.
    /// </summary>
    private static long CountParsRows(int completions)
    {
        long rows = completions;
        for (long id = 1; id <= completions; id++)
        {
            var learner = ((id - 1) / PerLearner) + 1;
            if (id % 20 == 0 && SeedSql.HoldsAbimBoard(learner))
            {
                rows++;
            }
        }

        return rows;
    }

    /// <summary>So the seed's dirty pages are not written during the timed batches.</summary>
    private static async Task CheckpointAsync(NpgsqlConnection connection)
    {
        try
        {
            await BulkLoad.ExecuteAsync(connection, "CHECKPOINT");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine("bench: no privilege to CHECKPOINT; the seed's writes may land inside the timed batches");
        }
    }
}
