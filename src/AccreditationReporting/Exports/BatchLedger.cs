using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// The export lines of a learner-level batch, collected while its file is written and stored in one
/// binary COPY afterwards: the rows are read once, and the ledger says exactly what the file holds.
/// Lines are spooled to a temp file in PostgreSQL's binary COPY format, so memory stays flat however
/// many a batch has.
/// </summary>
internal sealed class BatchLedger(string recipient, long batchId) : IAsyncDisposable
{
    // PGCOPY\n\377\r\n\0, then no flags and no header extension.
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private const short Columns = 7;

    private readonly byte[] _recipient = Encoding.UTF8.GetBytes(recipient);
    private readonly Dictionary<(string Action, string? Reason), int> _counts = [];
    private readonly byte[] _buffer = new byte[1024];
    private FileStream? _spool;

    public int Lines { get; private set; }

    /// <summary>The next file row a line will start at (1-based, after the header).</summary>
    public int NextLine { get; private set; } = 1;

    /// <summary>Records that the completion's rows were just written: <paramref name="lineCount"/> of them, from <see cref="NextLine"/>.</summary>
    public void Wrote(long completionId, string action, int lineCount)
    {
        Append(completionId, action, null, NextLine, lineCount);
        NextLine += lineCount;
    }

    public void Excluded(long completionId, string reason) => Append(completionId, ExportLine.Excluded, reason, null, null);

    public BatchSummary Summary()
    {
        int included = 0, corrections = 0;
        var exclusions = new List<Exclusion>();
        foreach (var ((action, reason), count) in _counts.OrderBy(c => c.Key.Reason, StringComparer.Ordinal))
        {
            switch (action)
            {
                case ExportLine.Add:
                    included += count;
                    break;
                case ExportLine.Delete:
                    corrections += count;
                    break;
                default:
                    exclusions.Add(new Exclusion(reason!, count));
                    break;
            }
        }

        return new BatchSummary(Lines, included, corrections, exclusions);
    }

    /// <summary>Writes the lines into <c>export_lines</c>; its key refuses a second line for the same completion and action.</summary>
    public async Task StoreAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_spool is null)
        {
            return;
        }

        _spool.Write([0xff, 0xff]);
        await _spool.FlushAsync(cancellationToken);
        _spool.Position = 0;
        await using var copy = await connection.BeginRawBinaryCopyAsync(
            "COPY accreditation.export_lines (recipient, completion_id, action, batch_id, reason, first_line, line_count) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        await _spool.CopyToAsync(copy, 1 << 16, cancellationToken);
    }

    private void Append(long completionId, string action, string? reason, int? firstLine, int? lineCount)
    {
        _spool ??= OpenSpool();
        var span = _buffer.AsSpan();
        var at = 0;
        BinaryPrimitives.WriteInt16BigEndian(span[at..], Columns);
        at += 2;
        at += Bytes(span[at..], _recipient);
        at += Int64(span[at..], completionId);
        at += Text(span[at..], action);
        at += Int64(span[at..], batchId);
        at += reason is null ? Null(span[at..]) : Text(span[at..], reason);
        at += firstLine is { } line ? Int32(span[at..], line) : Null(span[at..]);
        at += lineCount is { } lines ? Int32(span[at..], lines) : Null(span[at..]);
        _spool.Write(_buffer, 0, at);

        Lines++;
        _counts[(action, reason)] = _counts.GetValueOrDefault((action, reason)) + 1;
    }

    private static FileStream OpenSpool()
    {
        var path = Path.Combine(Path.GetTempPath(), $"export-lines-{Guid.NewGuid():N}.tmp");
        var spool = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        spool.Write(Header);
        return spool;
    }

    private static int Bytes(Span<byte> span, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        return 4 + value.Length;
    }

    private static int Text(Span<byte> span, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return 4 + length;
    }

    private static int Int64(Span<byte> span, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
        return 12;
    }

    private static int Int32(Span<byte> span, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
        return 8;
    }

    private static int Null(Span<byte> span)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, -1);
        return 4;
    }

    public async ValueTask DisposeAsync()
    {
        if (_spool is not null)
        {
            await _spool.DisposeAsync();
        }
    }
}

/// <summary>What a batch did, in numbers: the lines it wrote, completions included, corrections, and exclusions by reason.</summary>
internal sealed record BatchSummary(int Lines, int Included, int Corrections, List<Exclusion> Exclusions);
