using System.Globalization;
using System.Net;
using AccreditationReporting.Audit;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;

namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// Pushes each recipient's pending batches to its endpoint, oldest first. Every instance runs the
/// loop; a session lock per recipient lets one of them deliver at a time, so a batch is never
/// pushed by two instances at once, and the lock goes with the connection if its holder dies.
/// </summary>
internal sealed class BatchDeliveries(
    DeliveryEndpoints endpoints, IServiceProvider services, IHttpClientFactory httpClients, TimeProvider time, ServiceMetrics metrics,
    ILogger<BatchDeliveries> logger)
    : BackgroundService
{
    public const string HttpClientName = "export-delivery";

    private readonly Dictionary<string, ResiliencePipeline<HttpStatusCode>> _pipelines =
        endpoints.Recipients.ToDictionary(r => r, r => DeliveryPipeline.Build(endpoints.Get(r).Settings, time), StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(endpoints.Recipients.Select(r => RunAsync(r, stoppingToken)));

    private async Task RunAsync(string recipient, CancellationToken stoppingToken)
    {
        var interval = endpoints.Get(recipient).Settings.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(recipient, stoppingToken);
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The batch is still Pending in the database; the next pass takes it up again. Only
                // the type is logged: a message could quote a server's answer.
                logger.LogWarning("Export delivery for {Recipient} failed outside an attempt ({Error}); trying again later", recipient, e.GetType().Name);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task DeliverDueAsync(string recipient, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        if (!await SqlCommands.ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(hashtextextended('export-delivery/' || $1, 0))", cancellationToken, recipient))
        {
            return;
        }

        // Released here: a pooled connection is reset only when it is next used, so closing it would
        // leave the lock held, and the other instances' deliverers waiting, while it sits idle.
        try
        {
            var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            while (await NextDueAsync(connection, recipient, cancellationToken) is { } batch)
            {
                if (!await DeliverAsync(connection, batch, audit, cancellationToken))
                {
                    // Later batches wait behind this one, so the recipient receives them in order.
                    return;
                }
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await SqlCommands.ExecuteAsync(
                    connection, "SELECT pg_advisory_unlock(hashtextextended('export-delivery/' || $1, 0))", CancellationToken.None, recipient);
            }
        }
    }

    private async Task<DueBatch?> NextDueAsync(NpgsqlConnection connection, string recipient, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT id, file_name, content_type, byte_length, sha256, row_count, next_delivery_at, original_sha256
            FROM accreditation.export_batches
            WHERE recipient = $1 AND delivery_status = 'Pending' AND file_name <> ''
            ORDER BY id LIMIT 1
            """,
            recipient);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var due = reader.IsDBNull(6) || reader.GetFieldValue<DateTimeOffset>(6) <= time.GetUtcNow();
        return due
            ? new DueBatch(
                recipient, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt32(5),
                reader.IsDBNull(7) ? null : reader.GetString(7))
            : null;
    }

    /// <returns>Whether the batch left the queue (delivered, or refused for good).</returns>
    private async Task<bool> DeliverAsync(NpgsqlConnection connection, DueBatch batch, AuditTrail audit, CancellationToken cancellationToken)
    {
        var (endpoint, settings) = endpoints.Get(batch.Recipient);
        var run = new DeliveryRun(connection, batch.Id, settings, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DeliveryPipeline.Run, run);
        Outcome<HttpStatusCode> outcome;
        try
        {
            var push = new BatchPush(httpClients.CreateClient(HttpClientName), connection.ConnectionString, endpoint, settings.BearerToken, batch);
            var attempts = new PushAttempts(audit, batch, endpoint, metrics, logger);
            outcome = Outcome.FromResult(await _pipelines[batch.Recipient].ExecuteAsync(
                static async (context, state) =>
                {
                    state.run.Attempting();
                    try
                    {
                        var status = await state.push.SendAsync(context.CancellationToken);
                        await state.attempts.RecordAsync(state.run.Attempted, $"HTTP {(int)status}", (int)status is >= 200 and < 300, state.push.Sha256Sent);
                        return status;
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                    {
                        await state.attempts.RecordAsync(
                            state.run.Attempted, e is OperationCanceledException ? "no answer in time" : $"request failed: {e.GetType().Name}", delivered: false,
                            state.push.Sha256Sent);
                        throw;
                    }
                },
                context,
                (run, push, attempts)));
        }
        catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException or BrokenCircuitException)
        {
            outcome = Outcome.FromException<HttpStatusCode>(e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        // Recorded whatever happens to the run's token: an instance being stopped (a rolling update)
        // must still write down what the endpoint answered, or another instance pushes the batch again.
        var now = time.GetUtcNow();
        if (outcome.Exception is null && (int)outcome.Result is >= 200 and < 300)
        {
            await SqlCommands.ExecuteAsync(
                connection,
                """
                UPDATE accreditation.export_batches
                SET delivery_status = 'Delivered', delivered_at = $2, delivered_to = $3, delivery_attempts = delivery_attempts + $4, next_delivery_at = NULL
                WHERE id = $1
                """,
                CancellationToken.None,
                batch.Id, now, endpoint.GetLeftPart(UriPartial.Path), run.Unrecorded);
            metrics.Delivery(batch.Recipient, "delivered");
            logger.LogInformation("Export batch {BatchId} for {Recipient} delivered after {Attempts} attempt(s)", batch.Id, batch.Recipient, run.Attempted);
            return true;
        }

        var error = DeliveryPipeline.Describe(outcome, settings);
        var giveUp = !DeliveryPipeline.IsTransient(outcome) && outcome.Exception is not BrokenCircuitException;
        var retryAfter = outcome.Exception is BrokenCircuitException { RetryAfter: { } open } && open > settings.RetryLater ? open : settings.RetryLater;
        await SqlCommands.ExecuteAsync(
            connection,
            """
            UPDATE accreditation.export_batches
            SET delivery_status = $2, delivery_attempts = delivery_attempts + $3, last_delivery_error = $4, next_delivery_at = $5
            WHERE id = $1
            """,
            CancellationToken.None,
            batch.Id, giveUp ? nameof(DeliveryStatus.Failed) : nameof(DeliveryStatus.Pending), run.Unrecorded, error,
            giveUp ? DBNull.Value : now + retryAfter);
        metrics.Delivery(batch.Recipient, giveUp ? "failed" : "retry-later");
        logger.LogWarning(
            "Export batch {BatchId} for {Recipient} not delivered ({Error}); {Next}",
            batch.Id, batch.Recipient, error, giveUp ? "marked Failed" : $"next run in {retryAfter}");
        return giveUp;
    }
}

/// <summary>
/// Each push attempt is a release of the file (or an attempt at one), so each is in the audit trail
/// as it ends: where it went, what came back (a status, never the body), the file's rows and hash.
/// </summary>
internal sealed class PushAttempts(AuditTrail audit, DueBatch batch, Uri endpoint, ServiceMetrics metrics, ILogger logger)
{
    private static readonly AuditActor Deliverer = AuditActor.Service("export-delivery");

    /// <summary>
    /// Not the run's token: an attempt cut off by shutdown is still recorded. A failure to record is
    /// logged and does not fail the delivery: the file went (or did not) either way, and a push
    /// that succeeded must not be sent again.
    /// </summary>
    /// <param name="sha256">The file the attempt sent (or tried to).</param>
    public async Task RecordAsync(int attempt, string result, bool delivered, string sha256)
    {
        metrics.DeliveryAttempt(batch.Recipient, delivered);
        try
        {
            await AppendAsync(attempt, result, delivered, sha256);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogError("Push attempt {Attempt} of export batch {BatchId} could not be recorded in the audit trail ({Error})", attempt, batch.Id, e.GetType().Name);
        }
    }

    private Task AppendAsync(int attempt, string result, bool delivered, string sha256) =>
        audit.AppendAsync(
            new AuditEntry(Deliverer, AuditActions.DeliveryPush, delivered ? AuditOutcomes.Ok : "failed", AuditEntry.Batch(batch.Id))
            {
                RowCount = batch.RowCount,
                Sha256 = sha256,
                Details = new Dictionary<string, string>
                {
                    ["recipient"] = batch.Recipient,
                    ["endpoint"] = endpoint.GetLeftPart(UriPartial.Path),
                    ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
                    ["result"] = result,
                },
            },
            CancellationToken.None);
}

/// <summary>The manifest of a batch waiting for delivery: what the request's headers carry.</summary>
/// <param name="OriginalSha256">Set when an erasure redacted the stored file after it was made: the file as first made.</param>
internal sealed record DueBatch(
    string Recipient, long Id, string FileName, string ContentType, long ByteLength, string Sha256, int RowCount, string? OriginalSha256);
