using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// The first rows of a batch's file as the recipient receives them, with the personal fields
/// masked unless the page was asked to reveal them. Masking happens here, before the page sees a
/// value, so a masked preview holds no personal data to leak through a view.
/// </summary>
public sealed record BatchPreview(IReadOnlyList<string> Headers, IReadOnlyList<bool> Masked, IReadOnlyList<IReadOnlyList<string?>> Rows, bool Revealed)
{
    public const int RowLimit = 10;

    public bool HasPersonalFields => Masked.Contains(true);

    public static async Task<BatchPreview> ReadAsync(ReportingDbContext db, ExportBatch batch, bool reveal, CancellationToken cancellationToken)
    {
        var personal = batch.Fields.Select(PersonalFields.Contains).ToList();
        var rows = new List<IReadOnlyList<string?>>();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var wanted = Enumerable.Range(1, Math.Min(RowLimit, batch.RowCount)).ToHashSet();
            await foreach (var (_, fields) in SentRows.RowsAsync(
                connection, batch.Id, batch.Fields, RecipientFormat.SeparatorOf(batch.ContentType), wanted, cancellationToken))
            {
                rows.Add(batch.Fields.Select((field, i) => personal[i] && !reveal ? null : fields.GetValueOrDefault(field)).ToList());
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return new BatchPreview(batch.Headers, personal, rows, reveal);
    }
}
