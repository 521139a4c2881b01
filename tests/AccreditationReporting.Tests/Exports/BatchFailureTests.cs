using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// A batch whose lines or file cannot be stored leaves nothing behind: no batch, no line, no chunk.
/// The next batch takes everything. With 1,200 completions the lines fill a buffer, so that write
/// fails while the rows are still being read on the other connection; the file's one chunk fails at
/// the end.
/// </summary>
public sealed class BatchFailureTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Theory]
    [InlineData("export_lines", "joint-provider/cme-consultants")]
    [InlineData("export_file_chunks", "joint-provider/cme-consultants")]
    [InlineData("export_lines", "accme-pars-learners")]
    [InlineData("export_file_chunks", "accme-pars-learners")]
    public async Task AFailedWriteLeavesNoBatchAndTheNextBatchTakesEveryCompletion(string table, string recipient)
    {
        var activity = NewActivity();
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completions = Enumerable.Range(0, 1200)
            .Select(_ => Completion(activity, change: e => e["activity"]!["accmeActivityId"] = accmeId))
            .ToArray();
        await fixture.StoreAsync(completions);
        var database = fixture.Service.Database;
        var before = await CountsAsync(database);

        var trigger = $"refuse_{table}";
        await database.ScalarAsync<int>(
            $"""
            CREATE FUNCTION accreditation.{trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'test: {table} refuses writes'; END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON accreditation.{table} FOR EACH ROW EXECUTE FUNCTION accreditation.{trigger}();
            SELECT 1
            """);
        try
        {
            await Assert.ThrowsAsync<RpcException>(async () =>
                await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient }));
            Assert.Equal(before, await CountsAsync(database));
        }
        finally
        {
            await database.ScalarAsync<int>($"DROP TRIGGER {trigger} ON accreditation.{table}; DROP FUNCTION accreditation.{trigger}(); SELECT 1");
        }

        var (batch, file) = await fixture.CreateAndDownloadAsync(recipient);
        Assert.True(batch.Included >= completions.Length);
        if (recipient == "joint-provider/cme-consultants")
        {
            Assert.All(completions, c => Assert.Contains(file.Rows, r => r["Record ID"] == EventId(c)));
        }
        else
        {
            Assert.Equal(completions.Length, file.Rows.Count(r => r["ACCME Activity ID"] == accmeId));
        }
    }

    private static async Task<(long Batches, long Lines, long Chunks)> CountsAsync(ServiceDatabase database) =>
        (await database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_batches"),
            await database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_lines"),
            await database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_file_chunks"));
}
