using System.Net;
using System.Net.Http.Headers;
using Npgsql;

namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// One POST of a batch's stored file. The body streams from the database on every attempt (files
/// can be hundreds of megabytes); the headers let the receiver check it and drop a repeat.
/// </summary>
internal sealed class BatchPush(HttpClient client, string connectionString, Uri endpoint, string? bearerToken, DueBatch batch)
{
    public async ValueTask<HttpStatusCode> SendAsync(CancellationToken cancellationToken)
    {
        // Its own connection: an attempt cut off by the timeout must not take the delivery lock's connection with it.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var file = await BatchFiles.OpenReadAsync(connection, batch.Id, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StreamContent(file, 64 * 1024) };
        var content = request.Content.Headers;
        content.ContentType = new MediaTypeHeaderValue(batch.ContentType) { CharSet = "utf-8" };
        content.ContentLength = batch.ByteLength;
        content.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = batch.FileName };

        // RFC 9530: the receiver can check the bytes against the manifest's SHA-256.
        content.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(batch.Sha256))}:");

        // The same key on every retry: a receiver that got an attempt we saw time out can drop the repeat.
        request.Headers.Add("Idempotency-Key", $"{batch.Recipient}-{batch.Id}-{batch.Sha256[..16]}");
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
