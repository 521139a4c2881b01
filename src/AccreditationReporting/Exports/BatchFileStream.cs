using System.Security.Cryptography;

namespace AccreditationReporting.Exports;

/// <summary>
/// The batch file as CsvHelper writes it: cut into the 1 MiB chunks it is stored in, hashed on the
/// way, each handed to the <see cref="BatchSink"/> as soon as it is full.
/// </summary>
internal sealed class BatchFileStream(BatchSink sink) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _chunk = sink.RentChunkBuffer();
    private int _used;
    private int _chunks;
    private long _length;

    /// <summary>Hands over the last, partial chunk; the file's SHA-256 and length.</summary>
    public (string Sha256, long Length) Complete()
    {
        if (_used > 0)
        {
            PostChunk();
        }

        return (Convert.ToHexStringLower(_hash.GetHashAndReset()), _length);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, BatchFiles.ChunkSize - _used);
            buffer[..n].CopyTo(_chunk.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            if (_used == BatchFiles.ChunkSize)
            {
                PostChunk();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    private void PostChunk()
    {
        _hash.AppendData(_chunk, 0, _used);
        _length += _used;
        sink.PostChunk(_chunks++, _chunk, _used);
        _chunk = sink.RentChunkBuffer();
        _used = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length + _used;
    public override long Position { get => Length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
