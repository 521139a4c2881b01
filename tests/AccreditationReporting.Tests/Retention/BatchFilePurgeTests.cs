using System.Globalization;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using AccreditationReporting.Retention;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Retention;

/// <summary>A batch's file goes when its configured retention ends; the batch, its manifest and counts stay.</summary>
public sealed class BatchFilePurgeTests
{
    private static readonly Dictionary<string, string?> TwoMonths = new() { ["Retention:BatchFileMonths"] = "2" };

    [Fact]
    public async Task AFileGoesAfterTheConfiguredPeriodAndItsDownloadSaysSoWhileALearnerFileThatAddedAKeptCompletionStaysUntilThatIsPurged()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: TwoMonths);
        var store = new ExportServiceFixtureOver(service);
        await store.StoreAsync(Completion(NewActivity()));
        var (counts, countsFile) = await store.CreateAndDownloadAsync(Recipients.ParsActivities);
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        await store.StoreAsync(Completion(NewActivity(), change: e => e["activity"]!["accmeActivityId"] = accmeId));
        var (learners, learnersFile) = await store.CreateAndDownloadAsync(Recipients.ParsLearners);
        Assert.Equal("Add", Assert.Single(learnersFile.Rows, r => r["ACCME Activity ID"] == accmeId)["Record Action"]);
        var created = counts.CreatedAt.ToDateTimeOffset();

        var clock = new FakeTimeProvider(created.AddMonths(2).AddDays(-1));
        var dayBefore = await Purges.RunAsync(service, clock);
        Assert.Equal(0, dayBefore!.BatchFiles);
        Assert.Equal(countsFile.Bytes, (await store.DownloadAsync(counts.Id)).Bytes);

        clock.Advance(TimeSpan.FromDays(2));
        var after = await Purges.RunAsync(service, clock);

        // The counts-only file goes. The PARS learner file stays: it added a completion still kept, and
        // a correction or erasure of that completion reads its rows back from this file.
        Assert.Equal(1, after!.BatchFiles);
        var db = service.Database;
        const string Chunks = "SELECT count(*) FROM accreditation.export_file_chunks WHERE batch_id = @id";
        Assert.Equal(0L, await db.ScalarAsync<long>(Chunks, ("id", counts.Id)));
        Assert.True(await db.ScalarAsync<long>(Chunks, ("id", learners.Id)) > 0);
        Assert.Equal(
            clock.GetUtcNow().UtcDateTime,
            await db.ScalarAsync<DateTime>("SELECT file_purged_at FROM accreditation.export_batches WHERE id = @id", ("id", counts.Id)));
        Assert.Equal(learnersFile.Bytes, (await store.DownloadAsync(learners.Id)).Bytes);

        // The batch is still described, with the manifest of the file that was sent.
        var described = await store.Exports.GetBatchAsync(new GetBatchRequest { BatchId = counts.Id });
        Assert.Equal((countsFile.Manifest.Sha256, countsFile.Manifest.RowCount), (described.Manifest.Sha256, described.Manifest.RowCount));

        var refused = await Assert.ThrowsAsync<RpcException>(() => store.DownloadAsync(counts.Id));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("retention", refused.Status.Detail, StringComparison.Ordinal);

        // The refused download is in the trail like any other.
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @target AND outcome = 'failed-precondition'",
            ("target", $"batch:{counts.Id}")));

        // Once the completions it added are purged, the learner file goes too, in the same run.
        var ended = await db.ScalarAsync<DateOnly>("SELECT max(end_date) FROM accreditation.activities");
        clock.SetUtcNow(new DateTimeOffset(ended.AddYears(6).AddDays(1).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        var recordsGone = await Purges.RunAsync(service, clock);
        Assert.Equal((2, 1), (recordsGone!.Records.Completions, recordsGone.BatchFiles));
        Assert.Equal(0L, await db.ScalarAsync<long>(Chunks, ("id", learners.Id)));
    }

    [Fact]
    public async Task ADownloadThatReadTheBatchBeforeTheFilePurgeCommittedIsRefusedRatherThanSentEmpty()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var store = new ExportServiceFixtureOver(service);
        await store.StoreAsync(Completion(NewActivity()));
        var batch = (await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipients.ParsActivities })).Batch;
        var target = $"batch:{batch.Id}";
        var db = service.Database;

        // The trail's lock is held before the download starts (started first, a quick download could
        // record its start and send its file before the lock was taken).
        var trailLock = new NpgsqlConnection(service.PostgresConnectionString);
        await trailLock.OpenAsync();
        await ExecuteAsync(trailLock, "SELECT pg_advisory_lock(hashtextextended('audit-trail', 0))");
        using var call = store.Exports.DownloadBatch(new DownloadBatchRequest { BatchId = batch.Id });
        Task<bool> manifest;
        await using (trailLock)
        {
            // The download has read the batch, file still there, and waits to record its start.
            manifest = call.ResponseStream.MoveNext(CancellationToken.None);
            await Eventually.TrueAsync(
                async () => await db.ScalarAsync<long>(
                    """
                    SELECT count(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """) > 0,
                what: "the download waiting to record its start");

            // Meanwhile the purge's statement for batch files commits, as the service's role runs it
            // (without the run's audit entry, which would wait for the same lock).
            await using (var purge = new NpgsqlConnection(TestPostgres.AsServiceRole(service.PostgresConnectionString)))
            {
                await purge.OpenAsync();
                await using var transaction = await purge.BeginTransactionAsync();
                Assert.Equal(1, await BatchFilePurge.PurgeAsync(purge, 1, batch.CreatedAt.ToDateTimeOffset().AddMonths(2), CancellationToken.None));
                await transaction.CommitAsync();
            }

            await ExecuteAsync(trailLock, "SELECT pg_advisory_unlock(hashtextextended('audit-trail', 0))");
        }

        // The manifest had gone out before the bytes were read; the bytes are not sent as an empty file.
        Assert.True(await manifest);
        Assert.Equal(DownloadBatchResponse.PartOneofCase.Manifest, call.ResponseStream.Current.PartCase);
        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("retention", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(
            ["started", "failed-precondition 0"],
            await db.ColumnAsync<string>(
                "SELECT outcome || coalesce(' ' || (details->>'bytes_sent'), '') FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t ORDER BY id",
                ("t", target)));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
