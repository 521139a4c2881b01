using System.Data;
using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// Batch files live in the database in 1 MiB chunks: every instance can serve any batch, and a
/// batch's rows and its file commit or roll back together (<see cref="BatchFileStream"/> writes them).
/// </summary>
internal static class BatchFiles
{
    public const int ChunkSize = 1024 * 1024;

    /// <summary>The batch's file as a stream, read chunk by chunk; it keeps <paramref name="connection"/> busy until disposed.</summary>
    public static async Task<Stream> OpenReadAsync(NpgsqlConnection connection, long batchId, CancellationToken cancellationToken)
    {
        var command = SqlCommands.Create(
            connection, "SELECT data FROM accreditation.export_file_chunks WHERE batch_id = $1 ORDER BY chunk_no", batchId);
        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        return new ChunkStream(command, reader);
    }

    private sealed class ChunkStream(NpgsqlCommand command, NpgsqlDataReader reader) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_offset == _chunk.Length)
            {
                if (!reader.Read())
                {
                    return 0;
                }

                _chunk = reader.GetFieldValue<byte[]>(0);
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _chunk.Length)
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return 0;
                }

                _chunk = await reader.GetFieldValueAsync<byte[]>(0, cancellationToken);
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Dispose();
                command.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await base.DisposeAsync();
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
