using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Cronos;
using Microsoft.Extensions.DependencyInjection;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// An occurrence no instance ran (all stopped, the database unreachable, a run longer than the interval)
/// is made late with its own cut-off, not left to the next occurrence.
/// </summary>
public sealed class MissedOccurrenceTests
{
    private const string Recipient = "joint-provider/cme-consultants";
    private static readonly CronExpression EveryMinute = CronExpression.Parse("* * * * *");

    [Fact]
    public async Task EachMissedOccurrenceIsMadeLateInOrderAndAStoredCompletionGoesToTheFirstWhoseCutoffIsAfterIt()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var minute = await StoreCompletionAsync(service);

        // Last run three minutes before the completion's minute; the clock two and a half minutes after it.
        await ClaimAsync(service, minute.AddMinutes(-3));
        var clock = new WatchedClock(minute.AddMinutes(2.5));
        using var schedules = await StartAsync(service, clock);

        // Then it waits for the next occurrence, having made the five it missed.
        await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(
            [
                $"{minute.AddMinutes(-3):HH:mm} earlier none",
                $"{minute.AddMinutes(-2):HH:mm} late none",
                $"{minute.AddMinutes(-1):HH:mm} late none",
                $"{minute:HH:mm} late none",
                $"{minute.AddMinutes(1):HH:mm} late 1 completion",
                $"{minute.AddMinutes(2):HH:mm} late none",
            ],
            await RunsAsync(service, clock));

        // The next occurrence is on time again.
        clock.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await RunsAsync(service, clock)).Count == 7, what: "the occurrence after the missed ones");
        Assert.Equal($"{minute.AddMinutes(3):HH:mm} on time none", (await RunsAsync(service, clock))[^1]);
    }

    [Fact]
    public async Task AfterALongGapOnlyTheLatestMissedOccurrencesAreMadeAndTheFirstOfThemTakesTheEarlierCompletions()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var minute = await StoreCompletionAsync(service);

        // Received 20 minutes before the clock: in the gap, before the occurrences that are made.
        await ClaimAsync(service, minute.AddMinutes(-30));
        await service.Database.ScalarAsync<int>("UPDATE accreditation.completions SET received_at = received_at - interval '20 minutes'; SELECT 1");
        var clock = new WatchedClock(minute.AddMinutes(0.5));
        using var schedules = await StartAsync(service, clock);

        await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
        var runs = await RunsAsync(service, clock);
        Assert.Equal(1 + ExportSchedules.MissedOccurrencesMade, runs.Count);
        Assert.Equal($"{minute.AddMinutes(-30):HH:mm} earlier none", runs[0]);
        Assert.Equal($"{minute.AddMinutes(1 - ExportSchedules.MissedOccurrencesMade):HH:mm} late 1 completion", runs[1]);
        Assert.Equal($"{minute:HH:mm} late none", runs[^1]);
    }

    /// <summary>
    /// The database refuses the claim (as when it is down), or the batch after the claim in the same
    /// transaction (as when the instance stops mid-batch): nothing is claimed, and the next try makes it.
    /// </summary>
    [Theory]
    [InlineData("scheduled_runs")]
    [InlineData("export_batches")]
    public async Task AnOccurrenceWhoseClaimOrBatchDidNotCommitIsMadeOnTheNextTry(string refusedTable)
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var minute = await StoreCompletionAsync(service);
        await ClaimAsync(service, minute);
        await service.Database.ScalarAsync<int>($"REVOKE INSERT ON accreditation.{refusedTable} FROM {DatabaseRoles.Service}; SELECT 1");
        var clock = new WatchedClock(minute.AddMinutes(1.5));
        using var schedules = await StartAsync(service, clock);

        // The schedule waits to try again, nothing claimed.
        await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(await RunsAsync(service, clock));

        await service.Database.ScalarAsync<int>($"GRANT INSERT ON accreditation.{refusedTable} TO {DatabaseRoles.Service}; SELECT 1");
        clock.Advance(ExportSchedules.RetryAfterFailure);
        await Eventually.TrueAsync(async () => (await RunsAsync(service, clock)).Count == 2, what: "the occurrence made on the next try");
        Assert.Equal($"{minute.AddMinutes(1):HH:mm} late 1 completion", (await RunsAsync(service, clock))[1]);
    }

    [Fact]
    public async Task AMissedOccurrenceCutOffBeforeAnOnDemandBatchMakesNoBatchAndLeavesItsCorrectionsToTheNext()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var store = new ExportServiceFixtureOver(service);
        var activity = NewActivity();
        var sent = Completion(activity);
        await store.StoreAsync(sent);
        var onDemand = (await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;
        var cutoff = onDemand.Cutoff.ToDateTimeOffset();
        var minute = cutoff.AddTicks(-(cutoff.Ticks % TimeSpan.TicksPerMinute));

        // A retake after the on-demand batch: the row that batch sent is withdrawn by the next one.
        var retake = Completion(activity, change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(sent);
            e["occurredAt"] = "2026-11-21T09:00:00Z";
        });
        await store.StoreAsync(retake);

        // Missed occurrences all cut off at or before the on-demand batch: it took what they would have.
        await ClaimAsync(service, minute.AddMinutes(-3));
        var clock = new WatchedClock(minute.AddSeconds(30));
        using (await StartAsync(service, clock))
        {
            await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(
            [$"{minute.AddMinutes(-3):HH:mm} earlier none", $"{minute.AddMinutes(-2):HH:mm} late none", $"{minute.AddMinutes(-1):HH:mm} late none", $"{minute:HH:mm} late none"],
            await RunsAsync(service, clock));
        Assert.Equal([onDemand.Id], await service.Database.ColumnAsync<long>("SELECT id FROM accreditation.export_batches WHERE file_name <> ''"));

        // The withdrawal and the retake go in the next batch, as they would have without the missed ones.
        var next = (await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;
        Assert.Equal((1, 1), (next.Corrections, next.Included));
    }

    [Fact]
    public void TheNextDueIsTheOldestMissedOrElseTheNextToCome()
    {
        var last = new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);
        var daily = CronExpression.Parse("0 2 * * *");
        Assert.Equal(last.AddDays(1), ExportSchedules.NextDue(daily, last, last.AddHours(5)));
        Assert.Equal(last.AddDays(1), ExportSchedules.NextDue(daily, last, last.AddDays(1)));
        Assert.Equal(last.AddDays(1), ExportSchedules.NextDue(daily, last, last.AddDays(1).AddMinutes(5)));
        Assert.Equal(last.AddDays(1), ExportSchedules.NextDue(daily, last, last.AddDays(3)));
        Assert.Equal(last.AddDays(30 - ExportSchedules.MissedOccurrencesMade + 1), ExportSchedules.NextDue(daily, last, last.AddDays(30).AddHours(1)));

        // Another instance's clock ahead of this one's: the next after its claim, not one already claimed.
        Assert.Equal(last.AddDays(1), ExportSchedules.NextDue(daily, last, last.AddMinutes(-1)));

        // Yearly, two years after the last claim: the two missed, the older first.
        var yearly = CronExpression.Parse("0 0 1 1 *");
        var newYear = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(newYear, ExportSchedules.CountFrom(yearly, newYear, last));
        Assert.Equal(last, ExportSchedules.CountFrom(yearly, newYear.AddHours(2), last));
        Assert.Equal(newYear.AddYears(-1), ExportSchedules.NextDue(yearly, newYear.AddYears(-2), last));

        // By the second, a year after the last claim: the latest 10, found without walking the year.
        var everySecond = CronExpression.Parse("* * * * * *", CronFormat.IncludeSeconds);
        var now = last.AddYears(1);
        Assert.Equal(now.AddSeconds(1 - ExportSchedules.MissedOccurrencesMade), ExportSchedules.NextDue(everySecond, last, now));
    }

    /// <summary>Stores one completion; returns the start of the minute it was received in.</summary>
    private static async Task<DateTimeOffset> StoreCompletionAsync(ReportingService service)
    {
        await new ExportServiceFixtureOver(service).StoreAsync(Completion(NewActivity()));
        var received = await service.Database.ScalarAsync<DateTime>("SELECT received_at FROM accreditation.completions");
        var utc = new DateTimeOffset(received, TimeSpan.Zero);
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMinute));
    }

    private static Task ClaimAsync(ReportingService service, DateTimeOffset occurrence) =>
        service.Database.ScalarAsync<int>(
            "INSERT INTO accreditation.scheduled_runs (recipient, occurrence, claimed_by, claimed_at) VALUES (@r, @o, 'earlier', @o) RETURNING 1",
            ("r", Recipient), ("o", occurrence));

    /// <summary>The service's schedules for <see cref="Recipient"/> every minute, on the test's clock.</summary>
    private static async Task<IDisposable> StartAsync(ReportingService service, TimeProvider clock)
    {
        var schedules = ActivatorUtilities.CreateInstance<ExportSchedules>(
            service.Services, (IReadOnlyDictionary<string, CronExpression>)new Dictionary<string, CronExpression> { [Recipient] = EveryMinute }, clock);
        await schedules.StartAsync(CancellationToken.None);
        return schedules;
    }

    /// <summary>Each claimed occurrence: its minute, whether it ran on time, late or before the test, and its batch.</summary>
    private static async Task<List<string>> RunsAsync(ReportingService service, WatchedClock clock) =>
        await service.Database.ColumnAsync<string>(
            """
            SELECT to_char(r.occurrence AT TIME ZONE 'UTC', 'HH24:MI') || ' '
                || CASE WHEN r.claimed_by = 'earlier' THEN 'earlier' WHEN r.claimed_at > r.occurrence + interval '1 second' THEN 'late' ELSE 'on time' END || ' '
                || coalesce(b.included || ' completion', 'none')
            FROM accreditation.scheduled_runs r
            LEFT JOIN accreditation.export_batches b ON b.id = r.batch_id AND b.cutoff = r.occurrence
            WHERE r.recipient = @r
            ORDER BY r.occurrence
            """,
            ("r", Recipient));
}
