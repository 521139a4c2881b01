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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(schedules.Select(s => RunAsync(s.Key, s.Value, stoppingToken)));

    private async Task RunAsync(string recipient, CronExpression schedule, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (schedule.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc) is not { } next)
            {
                return;
            }

            try
            {
                await Task.Delay(new DateTimeOffset(next, TimeSpan.Zero) - now, time, stoppingToken);
                await RunOccurrenceAsync(recipient, new DateTimeOffset(next, TimeSpan.Zero), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The next occurrence takes everything this one would have; nothing is lost by waiting for it.
                logger.LogWarning("Scheduled export for {Recipient} failed ({Error}); the next occurrence will take its completions", recipient, e.GetType().Name);
            }
        }
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
