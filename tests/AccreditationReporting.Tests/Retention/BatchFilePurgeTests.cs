using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
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
    public async Task AFileGoesAfterTheConfiguredPeriodAndItsDownloadSaysSoWhileAFileThatSentAKeptCompletionStays()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: TwoMonths);
        var store = new ExportServiceFixtureOver(service);
        await store.StoreAsync(Completion(NewActivity()));
        var (counts, countsFile) = await store.CreateAndDownloadAsync(Recipients.ParsActivities);
        var kept = Completion(NewActivity());
        await store.StoreAsync(kept);
        var (learners, _) = await store.CreateAndDownloadAsync(Recipients.ParsActivities);
        var created = counts.CreatedAt.ToDateTimeOffset();

        // The second file stands for one that added the kept completion: the line a learner-level
        // batch writes for it (PARS learner batches are being rewritten, so written here as the owner).
        await using (var owner = new NpgsqlConnection(service.PostgresConnectionString))
        {
            await owner.OpenAsync();
            await using var line = new NpgsqlCommand(
                """
                INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, first_line, line_count)
                SELECT @recipient, c.id, @add, @batch, 1, 1 FROM accreditation.completions c WHERE c.event_id = @event
                """,
                owner);
            line.Parameters.AddWithValue("recipient", Recipients.ParsLearners);
            line.Parameters.AddWithValue("add", ExportLine.Add);
            line.Parameters.AddWithValue("batch", learners.Id);
            line.Parameters.AddWithValue("event", Guid.Parse(EventId(kept)));
            Assert.Equal(1, await line.ExecuteNonQueryAsync());
        }

        var clock = new FakeTimeProvider(created.AddMonths(2).AddDays(-1));
        var dayBefore = await Purges.RunAsync(service, clock);
        Assert.Equal(0, dayBefore!.BatchFiles);
        Assert.Equal(countsFile.Bytes, (await store.DownloadAsync(counts.Id)).Bytes);

        clock.Advance(TimeSpan.FromDays(2));
        var after = await Purges.RunAsync(service, clock);

        // The counts-only file goes. The learner file stays: it added a completion still kept, and a
        // correction or erasure of that completion reads its rows back from this file.
        Assert.Equal(1, after!.BatchFiles);
        var db = service.Database;
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_file_chunks WHERE batch_id = @id", ("id", counts.Id)));
        Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_file_chunks WHERE batch_id = @id", ("id", learners.Id)) > 0);
        Assert.Equal(
            clock.GetUtcNow().UtcDateTime,
            await db.ScalarAsync<DateTime>("SELECT file_purged_at FROM accreditation.export_batches WHERE id = @id", ("id", counts.Id)));

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
    }
}
