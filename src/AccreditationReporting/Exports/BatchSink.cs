using System.Collections.Concurrent;
using System.Threading.Channels;
using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// Everything a batch stores, written on the batch's own connection by one writer while its rows
/// are read on another: export lines (binary COPY, kept open between file chunks) and the file's
/// 1 MiB chunks. Readers hand work over without waiting; <see cref="ThrottleAsync"/> holds them
/// back when the writer falls behind, so memory stays flat however big the batch.
/// </summary>
internal sealed class BatchSink(NpgsqlConnection connection, long batchId, CancellationToken cancellationToken) : IAsyncDisposable
{
    // PGCOPY\n\377\r\n\0, then no flags and no header extension.
    private static readonly byte[] CopyHeader = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] CopyTrailer = [0xff, 0xff];
    private const long MaxQueuedBytes = 8 << 20;

    /// <summary>A buffer of lines: 64 KiB and room for one more tuple (a recipient ID and a reason are short).</summary>
    public const int LineBufferSize = (1 << 16) + 1024;

    private abstract record Work(byte[] Data, int Length);
    private sealed record Lines(byte[] Data, int Length) : Work(Data, Length);
    private sealed record Chunk(int Number, byte[] Data, int Length) : Work(Data, Length);

    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _room = new(0);

    // Buffers go round between the reader and the writer rather than through the shared array
    // pool: a batch's few dozen are reused for its millions of lines, and no GC trims them midway.
    private readonly ConcurrentQueue<byte[]> _lineBuffers = new();
    private readonly ConcurrentQueue<byte[]> _chunkBuffers = new();
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    private long _queued;
    private Task? _writer;
    private NpgsqlRawCopyStream? _copy;

    /// <summary>
    /// Starts writing. Until then work only queues: a counts-only batch reads its rows on this same
    /// connection, and its small file is stored after.
    /// </summary>
    public void Start() => _writer ??= Task.Run(WriteAsync, CancellationToken.None);

    public byte[] RentLineBuffer() => _lineBuffers.TryDequeue(out var buffer) ? buffer : new byte[LineBufferSize];

    public byte[] RentChunkBuffer() => _chunkBuffers.TryDequeue(out var buffer) ? buffer : new byte[BatchFiles.ChunkSize];

    /// <summary>Queues binary COPY tuples of <c>export_lines</c> in a buffer from <see cref="RentLineBuffer"/>, which comes back once written.</summary>
    public void PostLines(byte[] data, int length) => Post(new Lines(data, length));

    /// <summary>Queues one chunk of the file in a buffer from <see cref="RentChunkBuffer"/>, which comes back once written.</summary>
    public void PostChunk(int number, byte[] data, int length) => Post(new Chunk(number, data, length));

    /// <summary>Waits while more than a few MiB are queued for the writer.</summary>
    public async ValueTask ThrottleAsync()
    {
        while (Interlocked.Read(ref _queued) > MaxQueuedBytes && _writer is { IsCompleted: false })
        {
            await _room.WaitAsync(_stop.Token);
        }

        if (_writer is { IsFaulted: true })
        {
            await _writer;
        }
    }

    /// <summary>Writes what is queued and ends the writer; a failure of any write (a second line for a completion, say) surfaces here.</summary>
    public async Task CompleteAsync()
    {
        _work.Writer.TryComplete();
        Start();
        await _writer!;
    }

    private void Post(Work work)
    {
        Interlocked.Add(ref _queued, work.Length);
        if (!_work.Writer.TryWrite(work))
        {
            // The writer stopped on a failure; CompleteAsync or ThrottleAsync reports it.
            Interlocked.Add(ref _queued, -work.Length);
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(_stop.Token))
            {
                switch (work)
                {
                    case Lines lines:
                        if (_copy is null)
                        {
                            _copy = await connection.BeginRawBinaryCopyAsync(
                                "COPY accreditation.export_lines (recipient, completion_id, action, batch_id, reason, first_line, line_count) FROM STDIN (FORMAT BINARY)",
                                _stop.Token);
                            await _copy.WriteAsync(CopyHeader, _stop.Token);
                        }

                        await _copy.WriteAsync(lines.Data.AsMemory(0, lines.Length), _stop.Token);
                        break;
                    case Chunk chunk:
                        await EndLinesAsync();
                        await SqlCommands.ExecuteAsync(
                            connection,
                            "INSERT INTO accreditation.export_file_chunks (batch_id, chunk_no, data) VALUES ($1, $2, $3)",
                            _stop.Token,
                            batchId, chunk.Number, new ArraySegment<byte>(chunk.Data, 0, chunk.Length));
                        break;
                }

                (work is Chunk ? _chunkBuffers : _lineBuffers).Enqueue(work.Data);
                Interlocked.Add(ref _queued, -work.Length);
                _room.Release();
            }

            await EndLinesAsync();
        }
        catch (Exception failure)
        {
            _work.Writer.TryComplete(failure);
            _room.Release();
            throw;
        }
    }

    /// <summary>Ends the open COPY of lines: the key of <c>export_lines</c> refuses a second line for the same completion and action.</summary>
    private async Task EndLinesAsync()
    {
        if (_copy is null)
        {
            return;
        }

        await _copy.WriteAsync(CopyTrailer, _stop.Token);
        await _copy.DisposeAsync();
        _copy = null;
    }

    /// <summary>After a failure: stops the writer and abandons an open COPY; the batch's transaction rolls back.</summary>
    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        if (_writer is { IsCompleted: false })
        {
            await _stop.CancelAsync();
        }

        if (_writer is not null)
        {
            await Task.WhenAny(_writer);
        }

        if (_copy is not null)
        {
            try
            {
                await _copy.CancelAsync();
                await _copy.DisposeAsync();
            }
            catch (Exception) when (_writer is { IsCompleted: true })
            {
                // The connection may be broken by the cancelled write; the batch's transaction is
                // abandoned with it, and the failure that got us here is the one to report.
            }
        }

        _stop.Dispose();
        _room.Dispose();
    }
}
