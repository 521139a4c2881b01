using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// The export lines of a learner-level batch, recorded while its file is written. They stream into
/// <c>export_lines</c> through a binary COPY on the batch's own connection while the rows are read on
/// another, so the rows are read once and the lines say exactly what the file holds. Memory stays
/// flat: at most one buffer of lines is held.
/// </summary>
internal sealed class BatchLedger(NpgsqlConnection connection, string recipient, long batchId) : IAsyncDisposable
{
    // PGCOPY\n\377\r\n\0, then no flags and no header extension.
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private const short Columns = 7;
    private const int FlushAt = 1 << 16;

    private readonly byte[] _recipient = Encoding.UTF8.GetBytes(recipient);
    private readonly Dictionary<(string Action, string? Reason), int> _counts = [];
    private byte[] _pending = new byte[FlushAt + 1024];
    private int _length;
    private NpgsqlRawCopyStream? _copy;

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

    /// <summary>Sends the buffered lines once a buffer's worth has gathered.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken) =>
        _length >= FlushAt ? new ValueTask(FlushAsync(cancellationToken)) : ValueTask.CompletedTask;

    /// <summary>Ends the COPY: the key of <c>export_lines</c> refuses a second line for the same completion and action, here or at the latest.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Lines == 0)
        {
            return;
        }

        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);
        _length += 2;
        await FlushAsync(cancellationToken);
        await _copy!.DisposeAsync();
        _copy = null;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_copy is null)
        {
            _copy = await connection.BeginRawBinaryCopyAsync(
                "COPY accreditation.export_lines (recipient, completion_id, action, batch_id, reason, first_line, line_count) FROM STDIN (FORMAT BINARY)",
                cancellationToken);
            await _copy.WriteAsync(Header, cancellationToken);
        }

        await _copy.WriteAsync(_pending.AsMemory(0, _length), cancellationToken);
        _length = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_pending.Length - _length < bytes)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + bytes));
        }

        return _pending.AsSpan(_length);
    }

    private void Append(long completionId, string action, string? reason, int? firstLine, int? lineCount)
    {
        var span = Reserve(1024);
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
        _length += at;

        Lines++;
        _counts[(action, reason)] = _counts.GetValueOrDefault((action, reason)) + 1;
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

    /// <summary>A COPY left open ends with the batch's failure; its transaction rolls back.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_copy is not null)
        {
            await _copy.CancelAsync();
            await _copy.DisposeAsync();
        }
    }
}

/// <summary>What a batch did, in numbers: the lines it wrote, completions included, corrections, and exclusions by reason.</summary>
internal sealed record BatchSummary(int Lines, int Included, int Corrections, List<Exclusion> Exclusions);
