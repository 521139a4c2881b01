using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// How one recipient's batch is made: which completions it takes (<see cref="DecideAsync"/>, as
/// export lines) and the rows its file gets from them (<see cref="WriteRowsAsync"/>).
/// </summary>
internal abstract class RecipientExport(RecipientFormat format)
{
    public RecipientFormat Format { get; } = format;

    public string Recipient => Format.Id;

    /// <summary>The fields the row type offers: all a format may name.</summary>
    public abstract IReadOnlyCollection<string> OfferedFields { get; }

    public abstract bool IsLearnerLevel { get; }

    public abstract Task DecideAsync(BatchContext batch);

    public abstract Task WriteRowsAsync(BatchContext batch, CsvWriter csv);
}

internal abstract class RecipientExport<TRow>(RecipientFormat format, RecordGates gates) : RecipientExport(format)
{
    private readonly Func<TRow, string?>[] _columns = format.Columns.Select(c => RowColumns<TRow>.Fields[c.Field]).ToArray();

    public override IReadOnlyCollection<string> OfferedFields => (IReadOnlyCollection<string>)RowColumns<TRow>.Fields.Keys;

    public override bool IsLearnerLevel => typeof(TRow).IsAssignableTo(typeof(LearnerRecord));

    protected RecordGates Gates { get; } = gates;

    /// <summary>Writes the format's columns of <paramref name="row"/>; a conditional field the record's permissions do not cover stays empty.</summary>
    protected void Write(CsvWriter csv, TRow row)
    {
        var fieldGates = row is LearnerRecord record ? Gates.For(record.PolicyVersion, Recipient) : null;
        for (var i = 0; i < _columns.Length; i++)
        {
            var value = _columns[i](row);
            if (fieldGates is not null && fieldGates[i].Count > 0 && !((LearnerRecord)(object)row!).HoldsAny(fieldGates[i]))
            {
                value = null;
            }

            csv.WriteField(value);
        }

        csv.EndRecord();
    }
}

/// <summary>What one batch's making shares: its connection and transaction, its ID and its cut-off.</summary>
internal sealed record BatchContext(NpgsqlConnection Connection, long BatchId, DateTimeOffset Cutoff, CancellationToken CancellationToken);
