using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Deletes rejected messages' payloads (personal data) once their retention ends, and with them the
/// learner ID the message named, so nothing links the rejection to a learner after it; the record
/// that the message was rejected, and why, stays. Runs at start and then every hour.
/// </summary>
public sealed class RejectedPayloadRetention(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<IngestionOptions> options, ILogger<RejectedPayloadRetention> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>
    /// Also honours a retention shortened after the payload was received. A rejection that kept no
    /// payload (too large) or lost it early (an erasure) loses its learner ID at the same age.
    /// </summary>
    public static Task<int> PurgeAsync(ReportingDbContext db, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        var receivedBefore = now - retention;
        return db.RejectedEvents
            .Where(r => (r.Payload != null || r.LearnerId != null) && (r.PayloadExpiresAt <= now || r.ReceivedAt <= receivedBefore))
            .ExecuteUpdateAsync(
                set => set.SetProperty(r => r.Payload, (byte[]?)null).SetProperty(r => r.LearnerId, (string?)null),
                cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
                var purged = await PurgeAsync(db, time.GetUtcNow(), options.Value.RejectedPayloadRetention, stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Deleted the payloads of {Count} rejected messages past their retention", purged);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The next run catches up; a database outage must not stop the service.
                logger.LogWarning("Purging rejected payloads failed ({Error}); retrying in {Interval}", exception.GetType().Name, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
