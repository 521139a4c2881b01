using AccreditationReporting.Hosting;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>
/// Runs the purge on <c>Retention:Schedule</c> (UTC). Every instance runs this timer; the purge's
/// lock lets one of them do the work, and the others skip that occurrence.
/// </summary>
internal sealed class RetentionSchedule(
    RetentionSettings settings, IServiceScopeFactory scopes, TimeProvider time, ILogger<RetentionSchedule> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (settings.Schedule.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc) is not { } next)
            {
                return;
            }

            try
            {
                if (!await ScheduledWait.UntilAsync(new DateTimeOffset(next, TimeSpan.Zero), time, stoppingToken))
                {
                    continue;
                }

                // The run reads the schedule's clock: it purges what is past retention at this occurrence.
                await using var scope = scopes.CreateAsyncScope();
                await ActivatorUtilities.CreateInstance<RetentionPurge>(scope.ServiceProvider, time).RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The run lost its connection (a part that fails otherwise is recorded by the run, which
                // goes on). What its transactions committed stays; the next occurrence finds the rest.
                logger.LogWarning("Retention purge failed ({Error}); the next occurrence will purge what this one did not", e.GetType().Name);
            }
        }
    }
}
