using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Cronos;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// Cron schedules per recipient (<c>Exports:Schedules:&lt;recipient&gt;</c>, five fields, or six with
/// seconds; UTC). Every instance runs the timer; each occurrence is claimed in the database, so one
/// instance makes that occurrence's batch and the others skip it.
/// </summary>
internal sealed class ExportSchedules(
    IReadOnlyDictionary<string, CronExpression> schedules, IServiceProvider services, TimeProvider time, ILogger<ExportSchedules> logger)
    : BackgroundService
{
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Reads the schedules; a bad expression or recipient is a start-up error naming it.</summary>
    public static Dictionary<string, CronExpression> Read(IConfiguration configuration, ExportCatalog catalog)
    {
        var schedules = new Dictionary<string, CronExpression>(StringComparer.Ordinal);
        var problems = new List<string>();

        // A joint provider's schedule sits with the rest of its settings: its recipient ID has a '/',
        // which an environment variable's name cannot carry.
        var entries = configuration.GetSection("Exports:Schedules").GetChildren()
            .Select(e => (Recipient: e.Key, Setting: e.Path, e.Value))
            .Concat(configuration.GetSection(JointProvider.JointProviders.Section).GetChildren()
                .Select(p => (Recipient: Recipients.JointProviderPrefix + p.Key, Setting: p.GetSection("Schedule").Path, p["Schedule"])));
        foreach (var (recipient, setting, value) in entries)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (catalog.Find(recipient) is null)
            {
                problems.Add($"{setting} names recipient '{recipient}', which is not one of {catalog.Listed}");
                continue;
            }

            var format = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
            if (CronExpression.TryParse(value, format, out var expression))
            {
                schedules[recipient] = expression;
            }
            else
            {
                problems.Add($"{setting} is not a cron expression of five fields (or six, with seconds)");
            }
        }

        return problems.Count == 0 ? schedules : throw new ExportCatalogException(problems);
    }

    /// <summary>
    /// How many missed occurrences are made late, oldest first. After a longer gap only the latest
    /// this many are; the first of them takes the completions the earlier ones would have had.
    /// </summary>
    public const int MissedOccurrencesMade = 10;

    /// <summary>How long a schedule waits after a failed run (the database unreachable) before it tries again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        return Task.WhenAll(schedules.Select(s => RunAsync(s.Key, s.Value, started, stoppingToken)));
    }

    /// <summary>
    /// Runs each occurrence after the last one claimed by any instance. One that every instance missed
    /// (all stopped, the database unreachable, a run cut short or longer than the interval) is made as
    /// soon as an instance can, with its own cut-off, rather than left to the next occurrence: a daily
    /// batch missed at 02:00 during a rollout comes at 02:05, not a day late.
    /// </summary>
    private async Task RunAsync(string recipient, CronExpression schedule, DateTimeOffset started, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                if (NextDue(schedule, await CountFromAsync(recipient, schedule, started, stoppingToken), now) is not { } next)
                {
                    logger.LogWarning("The schedule of {Recipient} has no occurrence to come; it makes no more batches", recipient);
                    return;
                }

                if (next <= now)
                {
                    logger.LogInformation("Scheduled export for {Recipient} due at {Occurrence} is made late", recipient, next);
                }
                else if (!await ScheduledWait.UntilAsync(next, time, stoppingToken))
                {
                    // A step of a long wait: the claims are read again (another instance may have run it).
                    continue;
                }

                await RunOccurrenceAsync(recipient, next, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever failed, the loop goes on: it is the recipient's only schedule. An occurrence
                // whose batch did not commit is unclaimed, so it is tried again.
                logger.LogWarning("Scheduled export for {Recipient} failed ({Error}); trying again in {Delay}", recipient, e.GetType().Name, RetryAfterFailure);
                try
                {
                    await Task.Delay(RetryAfterFailure, time, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Where occurrences count from: the last one claimed, if it is one of this schedule's; else (no
    /// claim yet, or the expression changed since) this instance's start, so a new schedule makes no
    /// batches for a past it never had.
    /// </summary>
    private async Task<DateTimeOffset> CountFromAsync(string recipient, CronExpression schedule, DateTimeOffset started, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        return CountFrom(schedule, await LastClaimedAsync(scope.ServiceProvider.GetRequiredService<ReportingDbContext>(), recipient, cancellationToken), started);
    }

    /// <summary>The last claimed occurrence if it is one of <paramref name="schedule"/>'s, else <paramref name="otherwise"/>.</summary>
    internal static DateTimeOffset CountFrom(CronExpression schedule, DateTimeOffset? lastClaimed, DateTimeOffset otherwise) =>
        lastClaimed is { } claimed && schedule.GetNextOccurrence(claimed.UtcDateTime, TimeZoneInfo.Utc, inclusive: true) == claimed.UtcDateTime
            ? claimed
            : otherwise;

    /// <summary>The latest occurrence of the recipient's schedule any instance claimed.</summary>
    internal static Task<DateTimeOffset?> LastClaimedAsync(ReportingDbContext db, string recipient, CancellationToken cancellationToken) =>
        db.ScheduledRuns.Where(r => r.Recipient == recipient).MaxAsync(r => (DateTimeOffset?)r.Occurrence, cancellationToken);

    /// <summary>
    /// The oldest occurrence after <paramref name="last"/> that is due by <paramref name="now"/> (of the
    /// latest <see cref="MissedOccurrencesMade"/>), else the next one to come; null when none will.
    /// </summary>
    internal static DateTimeOffset? NextDue(CronExpression schedule, DateTimeOffset last, DateTimeOffset now)
    {
        // The latest missed, looked for back from now in a window that doubles until it holds enough or
        // reaches the last claim: a schedule by the second after months away is not walked through.
        var window = TimeSpan.FromMinutes(1);
        while (last < now)
        {
            var from = now - window > last ? now - window : last;
            var missed = schedule.GetOccurrences(from.UtcDateTime, now.UtcDateTime, TimeZoneInfo.Utc, fromInclusive: false, toInclusive: true)
                .TakeLast(MissedOccurrencesMade + 1).ToList();
            if (missed.Count > MissedOccurrencesMade || (from == last && missed.Count > 0))
            {
                return new DateTimeOffset(missed[^Math.Min(missed.Count, MissedOccurrencesMade)], TimeSpan.Zero);
            }

            if (from == last)
            {
                break;
            }

            window *= 2;
        }

        var next = schedule.GetNextOccurrence((last > now ? last : now).UtcDateTime, TimeZoneInfo.Utc);
        return next is { } due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
    }

    private async Task RunOccurrenceAsync(string recipient, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ExportBatches>()
            .CreateScheduledAsync(recipient, new ScheduledOccurrence(occurrence, _instance, time.GetUtcNow()), cancellationToken);
    }
}
