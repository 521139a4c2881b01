using System.Data;
using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// A batch's file for the browser: the same checks and audit entries as the API's DownloadBatch
/// (recorded as started before the first byte, then as completed or how it ended), streamed with
/// the manifest's file name.
/// </summary>
internal static class BatchDownload
{
    private const int BufferSize = 64 * 1024;

    public static async Task HandleAsync(long id, HttpContext http, ReportingDbContext db, DownloadSlots downloads, CallAudit audit, ServiceMetrics metrics)
    {
        // Counted with the outcome its closing audit entry records.
        var outcome = "internal";
        try
        {
            outcome = await SendAsync(id, http, db, downloads, audit);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            outcome = AuditOutcomes.Cancelled;
            throw;
        }
        finally
        {
            metrics.Download("console", outcome);
        }
    }

    /// <returns>The outcome recorded in the download's closing audit entry.</returns>
    private static async Task<string> SendAsync(long id, HttpContext http, ReportingDbContext db, DownloadSlots downloads, CallAudit audit)
    {
        var cancellationToken = http.RequestAborted;
        audit.Target = AuditEntry.Batch(id);
        audit.Details["via"] = "console";

        // A link on another site would send the cookie with a top-level GET (SameSite=Lax) and save a
        // file of learner data in a staff member's name. Browsers say where a request comes from;
        // only the console's own pages (or a typed address) may start a download.
        if (http.Request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site && site is not ("same-origin" or "none"))
        {
            await audit.RecordAsync(AuditActions.BatchDownload, "cross-site-refused", CancellationToken.None);
            await PlainAsync(http, StatusCodes.Status403Forbidden, "Downloads start from the console's own pages.");
            return "cross-site-refused";
        }

        var batch = await db.ExportBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id && b.FileName != "", cancellationToken);
        if (batch is null)
        {
            await audit.RecordAsync(AuditActions.BatchDownload, "not-found", CancellationToken.None);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return "not-found";
        }

        if (batch.FilePurgedAt is not null)
        {
            await audit.RecordAsync(AuditActions.BatchDownload, "failed-precondition", CancellationToken.None);
            await PlainAsync(http, StatusCodes.Status410Gone, "This batch's file was deleted when its retention ended; its page still shows the manifest and counts.");
            return "failed-precondition";
        }

        // The same bound as the API's: each download holds a pooled connection while it streams.
        using var slot = downloads.TryTake();
        if (slot is null)
        {
            await audit.RecordAsync(AuditActions.BatchDownload, "resource-exhausted", CancellationToken.None);
            http.Response.Headers.RetryAfter = "10";
            await PlainAsync(http, StatusCodes.Status503ServiceUnavailable, $"{downloads.Limit} downloads are in progress; try again shortly.");
            return "resource-exhausted";
        }

        // Recorded before the first byte leaves: an interrupted download was still an access.
        await audit.RecordAsync(AuditActions.BatchDownload, AuditOutcomes.Started, cancellationToken, batch.RowCount, batch.Sha256);
        long sent = 0;
        var outcome = AuditOutcomes.Cancelled;
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(cancellationToken);

            // The bytes of the snapshot whose hash was recorded: a redaction or purge since then is refused.
            await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using (var check = SqlCommands.Create(
                connection, "SELECT sha256, file_purged_at FROM accreditation.export_batches WHERE id = $1", batch.Id))
            await using (var reader = await check.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                if (reader.GetString(reader.GetOrdinal("sha256")) != batch.Sha256 || !reader.IsDBNull(reader.GetOrdinal("file_purged_at")))
                {
                    outcome = "aborted";
                    await PlainAsync(http, StatusCodes.Status409Conflict, "The file was redacted or deleted as the download began; open the batch page and download it again.");
                    return outcome;
                }
            }

            http.Response.ContentType = batch.ContentType;
            http.Response.ContentLength = batch.ByteLength;
            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(batch.FileName);
            http.Response.Headers.ContentDisposition = disposition.ToString();
            http.Response.Headers.CacheControl = "no-store";

            await using var file = await BatchFiles.OpenReadAsync(connection, batch.Id, cancellationToken);
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                sent += read;
            }

            outcome = AuditOutcomes.Completed;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = "internal";
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
            audit.Details["bytes_sent"] = sent.ToString(CultureInfo.InvariantCulture);
            await audit.RecordAsync(AuditActions.BatchDownload, outcome, CancellationToken.None, batch.RowCount, batch.Sha256);
        }

        return outcome;
    }

    private static async Task PlainAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(message);
    }
}
