using System.Buffers.Binary;
using System.Text;

namespace AccreditationReporting.Exports;

/// <summary>
/// The export lines of a learner-level batch, recorded as its rows are written, so the lines say
/// exactly what the file holds. They are formatted as binary COPY tuples and handed to the batch's
/// <see cref="BatchSink"/> 64 KiB at a time.
/// </summary>
internal sealed class BatchLedger(BatchSink sink, string recipient, long batchId)
{
    private const short Columns = 7;
    private const int FlushAt = 1 << 16;

    private readonly byte[] _recipient = Encoding.UTF8.GetBytes(recipient);
    private readonly Dictionary<(string Action, string? Reason), int> _counts = [];
    private byte[] _pending = sink.RentLineBuffer();
    private int _length;

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

    public BatchSummary Summary() =>
        BatchSummary.Of(_counts.OrderBy(c => c.Key.Reason, StringComparer.Ordinal).Select(c => (c.Key.Action, c.Key.Reason, c.Value)));

    /// <summary>Waits while the sink is behind.</summary>
    public ValueTask ThrottleAsync() => sink.ThrottleAsync();

    /// <summary>Hands the last lines over.</summary>
    public void Complete()
    {
        if (_length > 0)
        {
            Post();
        }
    }

    private void Post()
    {
        sink.PostLines(_pending, _length);
        _pending = sink.RentLineBuffer();
        _length = 0;
    }

    private void Append(long completionId, string action, string? reason, int? firstLine, int? lineCount)
    {
        var span = _pending.AsSpan(_length);
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
        if (_length >= FlushAt)
        {
            Post();
        }
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
}

/// <summary>What a batch did, in numbers: the lines it wrote, completions included, corrections, and exclusions by reason.</summary>
internal sealed record BatchSummary(int Lines, int Included, int Corrections, List<Exclusion> Exclusions)
{
    /// <summary>From line counts by action and reason: added or counted lines are included, deletes are corrections.</summary>
    public static BatchSummary Of(IEnumerable<(string Action, string? Reason, int Count)> counts)
    {
        int lines = 0, included = 0, corrections = 0;
        var exclusions = new List<Exclusion>();
        foreach (var (action, reason, count) in counts)
        {
            lines += count;
            switch (action)
            {
                case ExportLine.Add or ExportLine.Counted:
                    included += count;
                    break;
                case ExportLine.Delete:
                    corrections += count;
                    break;
                default:
                    exclusions.Add(new Exclusion(reason ?? string.Empty, count));
                    break;
            }
        }

        return new BatchSummary(lines, included, corrections, exclusions);
    }
}
