using AccreditationReporting.Privacy;
using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// How one recipient's batch is made: <see cref="WriteAsync"/> decides which completions it takes,
/// records them as export lines and writes the file's rows.
/// </summary>
/// <param name="recipient">The recipient's ID: the format's, or for a joint provider its own.</param>
internal abstract class RecipientExport(RecipientFormat format, string recipient)
{
    public RecipientFormat Format { get; } = format;

    public string Recipient { get; } = recipient;

    /// <summary>The fields the row type offers: all a format may name.</summary>
    public abstract IReadOnlyCollection<string> OfferedFields { get; }

    public abstract bool IsLearnerLevel { get; }

    /// <summary>The claims (policy data names) the recipient's selection understands; a policy naming another for it is a start-up error.</summary>
    public virtual IReadOnlyCollection<string> UnderstoodClaims => [];

    /// <summary>Whether a record's rows carry <paramref name="field"/> at all: the format has it and the record's permissions cover it.</summary>
    public abstract bool Carries(string field, string policyVersion, bool boardReporting, bool stateBoardReporting);

    /// <summary>Work committed under the recipient's lock just before the batch's own transaction begins.</summary>
    public virtual Task PrepareAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task WriteAsync(BatchContext batch, CsvWriter csv);
}

internal abstract class RecipientExport<TRow>(RecipientFormat format, RecordGates gates, string? recipient = null)
    : RecipientExport(format, recipient ?? format.Id)
{
    // A field the row type lacks is a start-up error (ExportCatalog), so its getter never runs.
    private readonly Func<TRow, string?>[] _columns = format.Columns
        .Select(c => RowColumns<TRow>.Fields.GetValueOrDefault(c.Field) ?? (_ => throw new InvalidOperationException($"{typeof(TRow).Name} has no field '{c.Field}'")))
        .ToArray();

    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>[]> _columnConsents = gates.ColumnConsents(format.Id);

    public override IReadOnlyCollection<string> OfferedFields => (IReadOnlyCollection<string>)RowColumns<TRow>.Fields.Keys;

    public override bool IsLearnerLevel => typeof(TRow).IsAssignableTo(typeof(LearnerRecord));

    protected RecordGates Gates { get; } = gates;

    public override bool Carries(string field, string policyVersion, bool boardReporting, bool stateBoardReporting)
    {
        var column = Format.Fields.ToList().IndexOf(field);
        if (column < 0 || !_columnConsents.TryGetValue(policyVersion, out var consents))
        {
            return false;
        }

        return consents[column].Count == 0 || consents[column].Any(c => Consents.Holds(c, boardReporting, stateBoardReporting));
    }

    /// <summary>Writes the format's columns of <paramref name="row"/>; a conditional field the record's permissions do not cover stays empty.</summary>
    protected void Write(CsvWriter csv, TRow row)
    {
        var record = row as LearnerRecord;
        var consents = record is null ? null : ColumnConsents(record.PolicyVersion);
        for (var i = 0; i < _columns.Length; i++)
        {
            var value = _columns[i](row);
            if (consents is not null && consents[i].Count > 0 && !record!.HoldsAny(consents[i]))
            {
                value = null;
            }

            csv.WriteField(value);
        }

        csv.EndRecord();
    }

    private IReadOnlyList<string>[] ColumnConsents(string policyVersion) =>
        _columnConsents.TryGetValue(policyVersion, out var consents)
            ? consents
            // The batch's selection already left such records out; reaching here is a bug, and writing nothing is the safe failure.
            : throw new InvalidOperationException($"a record collected under '{policyVersion}' reached the {Recipient} file, which that policy does not allow");
}

/// <summary>
/// What one batch's making shares: its connection and transaction; the connection it reads rows
/// on (for a learner-level batch, another one in the same snapshot, so the rows stream in while its
/// lines stream out; otherwise the same); its ID; its cut-off; and the ledger a learner-level batch
/// records its lines in (counts-only batches insert theirs in SQL).
/// </summary>
internal sealed record BatchContext(
    NpgsqlConnection Connection, NpgsqlConnection Reads, long BatchId, DateTimeOffset Cutoff, BatchLedger Ledger, CancellationToken CancellationToken);
