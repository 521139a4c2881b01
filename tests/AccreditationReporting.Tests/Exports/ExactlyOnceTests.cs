using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>A completion goes to a recipient once, also when two instances make batches at the same moment.</summary>
public sealed class ExactlyOnceTests
{
    [Fact]
    public async Task TwoInstancesCreatingBatchesAtOnceNeverSendACompletionTwice()
    {
        await using var first = await ReportingService.StartAsync(useRabbitMq: false);
        await using var second = await ReportingService.StartAsync(useRabbitMq: false, postgres: first.PostgresConnectionString);
        var store = new ExportServiceFixtureOver(first);
        var events = Enumerable.Range(0, 300).Select(_ => Completion(NewActivity())).ToArray();
        await store.StoreAsync(events);

        var clients = new[] { first, second }.Select(s => new ExportService.ExportServiceClient(s.CreateChannel())).ToArray();
        var attempts = Enumerable.Range(0, 8).Select(i => clients[i % 2].CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" }).ResponseAsync);
        var results = await Task.WhenAll(attempts);

        var made = results.Where(r => r.Created).Select(r => r.Batch).ToList();
        Assert.NotEmpty(made);
        var sent = new List<string>();
        foreach (var batch in made)
        {
            var file = await new ExportServiceFixtureOver(first).DownloadAsync(batch.Id);
            sent.AddRange(file.Rows.Select(r => r["Record ID"]));
        }

        Assert.Equal(events.Select(EventId).Order(), sent.Order());
        Assert.Equal(300L, await first.Database.ScalarAsync<long>(
            "SELECT count(DISTINCT completion_id) FROM accreditation.export_lines WHERE recipient = 'joint-provider/cme-consultants' AND action = 'Add'"));
    }

    [Fact]
    public async Task TheSameDataGivesAByteIdenticalFile()
    {
        var activity = NewActivity();
        var events = Enumerable.Range(0, 50).Select(i => Completion(activity, change: e => e["occurredAt"] = $"2026-11-20T10:{i:00}:00Z")).ToArray();
        var hashes = new List<string>();
        var texts = new List<string>();
        foreach (var _ in new[] { 1, 2 })
        {
            await using var service = await ReportingService.StartAsync(useRabbitMq: false);
            var store = new ExportServiceFixtureOver(service);
            await store.StoreAsync(events);
            var created = await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
            var file = await store.DownloadAsync(created.Batch.Id);
            hashes.Add(created.Batch.Manifest.Sha256);
            texts.Add(file.Text);
        }

        Assert.Equal(hashes[0], hashes[1]);
        Assert.Equal(texts[0], texts[1]);
        Assert.Equal(51, texts[0].Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }
}

/// <summary>The fixture's helpers over a service a test started itself.</summary>
internal sealed class ExportServiceFixtureOver : ExportServiceFixture
{
    public ExportServiceFixtureOver(ReportingService service) => Attach(service);
}
