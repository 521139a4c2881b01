using System.Data;
using System.Net;
using AccreditationReporting.Storage;
using System.Net.Http.Headers;
using Npgsql;

namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// One POST of a batch's stored file. The body streams from the database on every attempt (files
/// can be hundreds of megabytes); the headers let the receiver check it and drop a repeat.
/// </summary>
internal sealed class BatchPush(HttpClient client, string connectionString, Uri endpoint, string? bearerToken, DueBatch batch)
{
    /// <summary>The SHA-256 of the file the last attempt sent: an erasure may have redacted it since the run began.</summary>
    public string Sha256Sent { get; private set; } = batch.Sha256;

    public async ValueTask<HttpStatusCode> SendAsync(CancellationToken cancellationToken)
    {
        // Its own connection: an attempt cut off by the timeout must not take the delivery lock's connection with it.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // The manifest and the bytes from one snapshot, so the headers describe the very file sent.
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        long byteLength;
        await using (var manifest = SqlCommands.Create(connection, "SELECT byte_length, sha256 FROM accreditation.export_batches WHERE id = $1", batch.Id))
        await using (var reader = await manifest.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            byteLength = reader.GetInt64(reader.GetOrdinal("byte_length"));
            Sha256Sent = reader.GetString(reader.GetOrdinal("sha256"));
        }

        await using var file = await BatchFiles.OpenReadAsync(connection, batch.Id, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StreamContent(file, 64 * 1024) };
        var content = request.Content.Headers;
        content.ContentType = new MediaTypeHeaderValue(batch.ContentType) { CharSet = "utf-8" };
        content.ContentLength = byteLength;
        content.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = batch.FileName };

        // RFC 9530: the receiver can check the bytes against the manifest's SHA-256.
        content.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(Sha256Sent))}:");

        // The same key on every retry, also after an erasure redacted the file in between (the key
        // keeps the first file's hash): a receiver that got an attempt we saw time out drops the
        // repeat instead of taking the batch's rows twice.
        request.Headers.Add("Idempotency-Key", $"{batch.Recipient}-{batch.Id}-{(batch.OriginalSha256 ?? batch.Sha256)[..16]}");
        request.Headers.Add("X-Export-Batch-Id", batch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Export-Row-Count", batch.RowCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(bearerToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        // Only the status is kept: a body could echo back the personal data we sent.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return response.StatusCode;
    }
}
