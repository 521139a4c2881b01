using AccreditationReporting.Hosting;
using AccreditationReporting.Retention;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AccreditationReporting.Tests.Retention;

/// <summary>The purge runs on its schedule, one instance at a time, with settings that cannot go below the 6 years.</summary>
public sealed class PurgeScheduleTests
{
    [Fact]
    public async Task OfTwoPurgesAtOnceOneRunsAndTheOtherSkipsAndTheLockGoesWithTheRun()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var clock = new FakeTimeProvider(Purges.TodayAtNoon);

        // The test holds an export batch lock (as a batch in progress would), so the first purge,
        // once it has its own lock, waits inside its run.
        await using var batch = await HoldBatchLockAsync(service);
        var first = Purges.RunAsync(service, clock);
        await WaitingForALockAsync(service);

        var second = await Purges.RunAsync(service, clock);
        Assert.Null(second);
        Assert.False(first.IsCompleted);

        await ReleaseBatchLockAsync(batch);
        Assert.NotNull(await first);
        Assert.Equal(1L, await service.Database.ScalarAsync<long>(Purges.EntriesOfPart, ("part", RetentionPurge.AuditTrailPart)));

        // The run released its lock, also on the connection it gave back to the pool.
        Assert.Equal(0L, await AdvisoryLocksAsync(service));
        Assert.NotNull(await Purges.RunAsync(service, clock));
    }

    [Fact]
    public async Task ACancelledRunReleasesItsLock()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var clock = new FakeTimeProvider(Purges.TodayAtNoon);
        await using var batch = await HoldBatchLockAsync(service);
        using var stop = new CancellationTokenSource();
        var run = Purges.RunAsync(service, clock, stop.Token);
        await WaitingForALockAsync(service);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await ReleaseBatchLockAsync(batch);
        Assert.Equal(0L, await AdvisoryLocksAsync(service));
        Assert.NotNull(await Purges.RunAsync(service, clock));
    }

    private static async Task<NpgsqlConnection> HoldBatchLockAsync(ReportingService service)
    {
        var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('export-batch/accme-pars-activities', 0))", connection);
        await take.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task ReleaseBatchLockAsync(NpgsqlConnection connection)
    {
        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('export-batch/accme-pars-activities', 0))", connection);
        await release.ExecuteNonQueryAsync();
    }

    private static Task WaitingForALockAsync(ReportingService service) =>
        Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>(
                """
                SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) > 0,
            null,
            "the purge waiting inside its run");

    /// <summary>Advisory locks held in the service's database by any session.</summary>
    private static Task<long> AdvisoryLocksAsync(ReportingService service) =>
        service.Database.ScalarAsync<long>(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);

    [Fact]
    public async Task TheScheduleRunsThePurgeAtItsTime()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?> { ["Retention:Schedule"] = "30 2 * * *" });
        var clock = new WatchedClock(new DateTimeOffset(DateTime.UtcNow.Date.AddHours(2).AddMinutes(29), TimeSpan.Zero));
        using var schedule = ActivatorUtilities.CreateInstance<RetentionSchedule>(service.Services, (TimeProvider)clock);
        await schedule.StartAsync(CancellationToken.None);
        try
        {
            // A run without records to delete writes two entries: batch files, then the audit trail.
            const string Runs = "SELECT count(*) FROM accreditation.audit_events WHERE action = 'retention.purge' AND details->>'part' = 'audit-trail'";
            // The schedule has read 02:29 and waits for 02:30.
            await clock.FirstTimer.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0L, await service.Database.ScalarAsync<long>(Runs));

            clock.Advance(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(async () => await service.Database.ScalarAsync<long>(Runs) == 1, null, "the 02:30 run");
            Assert.Equal(
                clock.GetUtcNow().UtcDateTime,
                await service.Database.ScalarAsync<DateTime>("SELECT max(at) FROM accreditation.audit_events WHERE action = 'retention.purge'"));
        }
        finally
        {
            await schedule.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("Retention:VerificationRecordYears", "5")]
    [InlineData("Retention:AuditTrailYears", "3")]
    [InlineData("Retention:BatchFileMonths", "0")]
    [InlineData("Retention:BatchFileMonths", "six")]
    [InlineData("Retention:ChunkLearners", "0")]
    [InlineData("Retention:Schedule", "every night")]
    public void ASettingBelowTheRetentionOrUnreadableStopsTheStartNamingIt(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        var problem = Assert.Throws<StartupProblemException>(() => RetentionSettings.Read(configuration));
        Assert.Contains(setting, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreSixYearsOfRecordsAndFilesSevenOfAuditChunksOf500AndANightlyRun()
    {
        var settings = RetentionSettings.Read(new ConfigurationBuilder().Build());
        Assert.Equal((6, 72, 7, 500), (settings.VerificationRecordYears, settings.BatchFileMonths, settings.AuditTrailYears, settings.ChunkLearners));
        var nextRun = settings.Schedule.GetNextOccurrence(new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc), nextRun);
    }
}
