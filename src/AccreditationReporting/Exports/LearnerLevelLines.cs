using System.Data;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// The ledger side of a learner-level batch's additions: its query returns, in completion ID order,
/// every completion not yet handled for the recipient (and those being corrected), one row per file
/// row, with <c>completion_id</c>, <c>reason</c> (null when it is added), <c>policy_version</c> and
/// the two permissions, in that order, then the recipient's columns. Each completion is recorded as excluded with its reason or as added with
/// the rows written, as the rows are written, so the lines say exactly what the file holds.
/// </summary>
internal static class LearnerLevelLines
{
    /// <param name="rowWriter">Given the reader once (to find its columns by name), the writer of one file row;
    /// it reads its columns in their order in the query, as sequential access requires.</param>
    public static async Task RecordAsync(
        BatchContext batch, NpgsqlCommand query, LearnerRecord row, Func<NpgsqlDataReader, Action<NpgsqlDataReader>> rowWriter)
    {
        var ledger = batch.Ledger;
        await using var reader = await query.ExecuteReaderAsync(CommandBehavior.SequentialAccess, batch.CancellationToken);
        var writeRow = rowWriter(reader);
        var (id, reason, policy, board, state) = (
            reader.GetOrdinal("completion_id"), reader.GetOrdinal("reason"), reader.GetOrdinal("policy_version"),
            reader.GetOrdinal("board_reporting_consent"), reader.GetOrdinal("state_board_reporting_consent"));
        long current = 0;
        var (rows, excluded) = (0, false);
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            var completion = reader.GetInt64(id);
            if (completion != current)
            {
                if (rows > 0)
                {
                    ledger.Wrote(current, ExportLine.Add, rows);
                }

                (current, rows, excluded) = (completion, 0, !reader.IsDBNull(reason));
                if (excluded)
                {
                    ledger.Excluded(completion, reader.GetString(reason));
                }
            }

            if (excluded)
            {
                continue;
            }

            (row.PolicyVersion, row.BoardReporting, row.StateBoardReporting) = (reader.GetString(policy), reader.GetBoolean(board), reader.GetBoolean(state));
            writeRow(reader);
            rows++;
            await ledger.ThrottleAsync();
        }

        if (rows > 0)
        {
            ledger.Wrote(current, ExportLine.Add, rows);
        }
    }

    /// <summary>Reads a column that may be null.</summary>
    public static T? Field<T>(this NpgsqlDataReader reader, int ordinal) where T : class =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static T? NullableField<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
