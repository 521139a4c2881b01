using Npgsql;

namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// Loads tables the way a bulk restore does: secondary indexes and foreign keys dropped first and
/// put back afterwards, so millions of rows cost one index build and one join per constraint instead
/// of an index insertion and a trigger query per row. The definitions are read from the catalog, so
/// whatever the service's migrations declare comes back exactly.
/// </summary>
internal sealed class BulkLoad
{
    private readonly List<string> _restore = [];

    private BulkLoad()
    {
    }

    /// <param name="tables">Tables of the accreditation schema that are about to be loaded.</param>
    public static async Task<BulkLoad> PrepareAsync(NpgsqlConnection connection, IReadOnlyList<string> tables)
    {
        var load = new BulkLoad();
        var drops = new List<string>();

        // Foreign keys of the loaded tables; those pointing at them from elsewhere are not checked on insert.
        await using (var command = new NpgsqlCommand(
            """
            SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
            FROM pg_constraint
            WHERE contype = 'f' AND connamespace = 'accreditation'::regnamespace AND conrelid::regclass::text = ANY ($1)
            ORDER BY conname
            """,
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = tables.Select(t => $"accreditation.{t}").ToArray() });
            await ReadPairsAsync(command, drops, load._restore);
        }

        // Indexes that back no constraint (the primary keys stay: their sequential keys are cheap to insert).
        await using (var command = new NpgsqlCommand(
            """
            SELECT format('DROP INDEX accreditation.%I', i.indexname), i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = 'accreditation' AND i.tablename = ANY ($1)
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('accreditation.%I', i.indexname)::regclass)
            ORDER BY i.indexname
            """,
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = tables.ToArray() });
            await ReadPairsAsync(command, drops, load._restore);
        }

        // Indexes before constraints on the way back, so the foreign keys validate through them.
        load._restore.Reverse();
        foreach (var drop in drops)
        {
            await ExecuteAsync(connection, drop);
        }

        return load;
    }

    public async Task RestoreAsync(NpgsqlConnection connection)
    {
        foreach (var statement in _restore)
        {
            await ExecuteAsync(connection, statement);
        }
    }

    private static async Task ReadPairsAsync(NpgsqlCommand command, List<string> drops, List<string> restores)
    {
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            drops.Add(reader.GetString(0));
            restores.Add(reader.GetString(1));
        }
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }
}
