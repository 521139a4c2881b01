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
    public async Task OfTwoPurgesAtOnceOneRunsAndTheOtherSkips()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var clock = new FakeTimeProvider(Purges.TodayAtNoon);

        // The test holds the learners table, so the first purge, once it has its lock, waits inside its run.
        await using var owner = new NpgsqlConnection(service.PostgresConnectionString);
        await owner.OpenAsync();
        await using var holding = await owner.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE accreditation.learners IN EXCLUSIVE MODE", owner, holding))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var first = Purges.RunAsync(service, clock);
        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>(
                """
                SELECT count(*) FROM pg_locks
                WHERE NOT granted AND relation = 'accreditation.learners'::regclass
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) > 0,
            null,
            "the first purge waiting inside its run");

        var second = await Purges.RunAsync(service, clock);
        Assert.Null(second);
        Assert.False(first.IsCompleted);

        await holding.CommitAsync();
        Assert.NotNull(await first);
        Assert.Equal(1L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events WHERE action = 'retention.purge'"));

        // The lock went with the first run's transaction.
        Assert.NotNull(await Purges.RunAsync(service, clock));
    }

    [Fact]
    public async Task TheScheduleRunsThePurgeAtItsTime()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?> { ["Retention:Schedule"] = "30 2 * * *" });
        var clock = new FakeTimeProvider(new DateTimeOffset(DateTime.UtcNow.Date.AddHours(2).AddMinutes(29), TimeSpan.Zero));
        using var schedule = ActivatorUtilities.CreateInstance<RetentionSchedule>(service.Services, (TimeProvider)clock);
        await schedule.StartAsync(CancellationToken.None);
        try
        {
            const string Runs = "SELECT count(*) FROM accreditation.audit_events WHERE action = 'retention.purge'";
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            Assert.Equal(0L, await service.Database.ScalarAsync<long>(Runs));

            clock.Advance(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(async () => await service.Database.ScalarAsync<long>(Runs) == 1, null, "the 02:30 run");
            Assert.Equal(
                clock.GetUtcNow().UtcDateTime,
                await service.Database.ScalarAsync<DateTime>("SELECT at FROM accreditation.audit_events WHERE action = 'retention.purge'"));
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
    [InlineData("Retention:Schedule", "every night")]
    public void ASettingBelowTheRetentionOrUnreadableStopsTheStartNamingIt(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        var problem = Assert.Throws<StartupProblemException>(() => RetentionSettings.Read(configuration));
        Assert.Contains(setting, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreSixYearsOfRecordsAndFilesSevenOfAuditAndANightlyRun()
    {
        var settings = RetentionSettings.Read(new ConfigurationBuilder().Build());
        Assert.Equal((6, 72, 7), (settings.VerificationRecordYears, settings.BatchFileMonths, settings.AuditTrailYears));
        var nextRun = settings.Schedule.GetNextOccurrence(new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc), nextRun);
    }
}
