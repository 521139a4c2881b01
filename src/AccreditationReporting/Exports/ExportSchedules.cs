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
    /// (all stopped, the database unreachable, a run longer than the interval) is made as soon as an
    /// instance can, with its own cut-off, rather than left for the next occurrence: a daily batch
    /// missed at 02:00 during a rollout comes at 02:05, not a day late.
    /// </summary>
    private async Task RunAsync(string recipient, CronExpression schedule, DateTimeOffset started, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Before any claim for this recipient, occurrences count from this instance's start.
                var last = await LastClaimedAsync(recipient, stoppingToken) ?? started;
                var now = time.GetUtcNow();
                if (NextDue(schedule, last, now) is not { } next)
                {
                    return;
                }

                if (next > now)
                {
                    await Task.Delay(next - now, time, stoppingToken);
                }
                else
                {
                    logger.LogInformation("Scheduled export for {Recipient} due at {Occurrence} is made late", recipient, next);
                }

                await RunOccurrenceAsync(recipient, next, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Unclaimed, the occurrence is tried again; claimed, the next one takes its completions.
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
    /// The oldest occurrence after <paramref name="last"/> that is due by <paramref name="now"/> (of the
    /// latest <see cref="MissedOccurrencesMade"/>), else the next one to come; null when none will.
    /// </summary>
    internal static DateTimeOffset? NextDue(CronExpression schedule, DateTimeOffset last, DateTimeOffset now)
    {
        var missed = new Queue<DateTime>(MissedOccurrencesMade);
        if (last < now)
        {
            foreach (var occurrence in schedule.GetOccurrences(last.UtcDateTime, now.UtcDateTime, TimeZoneInfo.Utc, fromInclusive: false, toInclusive: true))
            {
                if (missed.Count == MissedOccurrencesMade)
                {
                    missed.Dequeue();
                }

                missed.Enqueue(occurrence);
            }
        }

        var next = missed.Count > 0 ? missed.Peek() : schedule.GetNextOccurrence(Max(last, now).UtcDateTime, TimeZoneInfo.Utc);
        return next is { } due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task<DateTimeOffset?> LastClaimedAsync(string recipient, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ReportingDbContext>().ScheduledRuns
            .Where(r => r.Recipient == recipient)
            .MaxAsync(r => (DateTimeOffset?)r.Occurrence, cancellationToken);
    }

    private async Task RunOccurrenceAsync(string recipient, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
        var claimed = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO accreditation.scheduled_runs (recipient, occurrence, claimed_by, claimed_at)
            VALUES ({recipient}, {occurrence.ToUniversalTime()}, {_instance}, {time.GetUtcNow().ToUniversalTime()})
            ON CONFLICT DO NOTHING
            """,
            cancellationToken);
        if (claimed == 0)
        {
            return;
        }

        // The batch links itself to this occurrence as it commits.
        await scope.ServiceProvider.GetRequiredService<ExportBatches>()
            .CreateAsync(recipient, occurrence, BatchTrigger.Schedule, Audit.AuditActor.Service("export-schedule"), cancellationToken);
    }
}
