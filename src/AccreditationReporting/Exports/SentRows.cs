using AccreditationReporting.Storage;
using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// Rows of files already made, read back by line: a Delete or a withdrawal must name exactly what
/// the recipient holds, and the file is the record of that.
/// </summary>
internal static class SentRows
{
    /// <summary>The rows of the changed completions' last sends, by (batch, line), keyed by the fields each batch had.</summary>
    public static async Task<Dictionary<(long Batch, int Line), Dictionary<string, string>>> ReadAsync(
        BatchContext batch, IEnumerable<HeldCompletions.Changed> changed)
    {
        var rows = new Dictionary<(long Batch, int Line), Dictionary<string, string>>();
        foreach (var group in changed.GroupBy(c => c.SentBatch))
        {
            var wanted = group.SelectMany(c => Enumerable.Range(c.SentFirstLine, c.SentLineCount)).ToHashSet();
            await foreach (var (line, fields) in ReadAsync(batch, group.Key, wanted))
            {
                rows[(group.Key, line)] = fields;
            }
        }

        return rows;
    }

    private static async IAsyncEnumerable<(int Line, Dictionary<string, string> Fields)> ReadAsync(BatchContext batch, long batchId, HashSet<int> wanted)
    {
        List<string> fields;
        char separator;
        await using (var command = SqlCommands.Named(
            batch.Reads, "SELECT fields::text AS fields, content_type FROM accreditation.export_batches WHERE id = @batch", ("batch", batchId)))
        {
            await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
            await reader.ReadAsync(batch.CancellationToken);
            fields = System.Text.Json.JsonSerializer.Deserialize<List<string>>(reader.GetString(reader.GetOrdinal("fields")), StoredJson.Options)!;
            separator = RecipientFormat.SeparatorOf(reader.GetString(reader.GetOrdinal("content_type")));
        }

        await foreach (var row in RowsAsync(batch.Reads, batchId, fields, separator, wanted, batch.CancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>
    /// The wanted rows of a stored batch file (1-based after the header, as export lines number them),
    /// each keyed by the batch's fields; reading stops after the last one wanted. It keeps
    /// <paramref name="connection"/> busy until enumerated.
    /// </summary>
    public static async IAsyncEnumerable<(int Line, Dictionary<string, string> Fields)> RowsAsync(
        NpgsqlConnection connection, long batchId, IReadOnlyList<string> fields, char separator, HashSet<int> wanted,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = await BatchFiles.OpenReadAsync(connection, batchId, cancellationToken);
        using var csv = CsvReader.Create(file, BatchWriter.ReaderOptions(separator), leaveOpen: true);
        var line = 0;
        while (wanted.Count > 0 && await csv.ReadAsync(cancellationToken))
        {
            line++;
            if (wanted.Remove(line))
            {
                yield return (line, fields.Select((f, i) => (f, i)).Where(p => p.i < csv.FieldCount).ToDictionary(p => p.f, p => csv.GetString(p.i)));
            }
        }
    }
}
