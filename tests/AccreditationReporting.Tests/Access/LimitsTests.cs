using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Access;

public sealed class SmallLimitsFixture : ExportServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Api:MaxReceiveMessageBytes"] = "2048",
        ["Exports:MaxConcurrentDownloads"] = "1",
    };
}

/// <summary>What a caller can make the service hold: request sizes and downloads in progress.</summary>
public sealed class ApiLimitsTests(SmallLimitsFixture fixture) : IClassFixture<SmallLimitsFixture>
{
    [Fact]
    public async Task ARequestLargerThanTheLimitIsResourceExhausted()
    {
        var client = new CompletionService.CompletionServiceClient(fixture.Service.CreateChannel(StaffRoles.Compliance));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = new string('x', 5000) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task DownloadsBeyondTheBoundAreResourceExhaustedUntilOneEnds()
    {
        // Over a megabyte, so the first download is still streaming while the second asks.
        await fixture.StoreAsync(Enumerable.Range(0, 3000).Select(_ => Completion(NewActivity(), change: e =>
            e["activity"]!["title"] = new string('x', 400))).ToArray());
        var batch = (await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" })).Batch;

        using (var first = fixture.Exports.DownloadBatch(new DownloadBatchRequest { BatchId = batch.Id }))
        {
            Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));

            var second = await Assert.ThrowsAsync<RpcException>(() => fixture.DownloadAsync(batch.Id));
            Assert.Equal(StatusCode.ResourceExhausted, second.StatusCode);
            Assert.Contains("Exports:MaxConcurrentDownloads", second.Status.Detail, StringComparison.Ordinal);
        }

        var third = await Eventually.ValueAsync(async () =>
        {
            try
            {
                return await fixture.DownloadAsync(batch.Id);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return null;
            }
        });
        Assert.Equal(batch.Manifest.ByteLength, third.Bytes.Length);
    }
}

public sealed class SmallEventsFixture : RabbitMqServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Ingestion:MaxEventBytes"] = "4096" };
}

/// <summary>What a publisher can make the service store: a body's size and its lists' lengths.</summary>
public sealed class EventLimitsTests(SmallEventsFixture fixture) : IClassFixture<SmallEventsFixture>
{
    [Fact]
    public async Task ABodyOverTheLimitIsRejectedAsTooLargeAndItsPayloadIsNotKept()
    {
        var json = SampleEvents.Fresh().Json;
        json["padding"] = new string('p', 8000);

        var messageId = await fixture.Publisher.PublishAsync(fixture.Service.EndpointName, json.ToJsonString());

        Assert.Equal(["too-large"], await fixture.Service.Database.WaitForRejectionAsync(messageId));
        Assert.True(await fixture.Service.Database.ScalarAsync<bool>(
            "SELECT payload IS NULL AND payload_expires_at IS NULL FROM accreditation.rejected_events WHERE message_id = @id", ("id", messageId)));
    }

    [Theory]
    [InlineData("claims")]
    [InlineData("learner.boards")]
    [InlineData("activity.designatedCredits.moc")]
    public async Task ListsLongerThanTheSchemaAllowsAreRejectedAsTooMany(string path)
    {
        var json = SampleEvents.Fresh().Json;
        var parent = path.Split('.')[..^1].Aggregate((JsonNode)json, (node, name) => node[name]!);
        var list = (JsonArray)parent[path.Split('.')[^1]]!;
        var entry = list[0]!.ToJsonString();
        for (var i = list.Count; i < 21; i++)
        {
            list.Add(JsonNode.Parse(entry));
        }

        var messageId = await fixture.Publisher.PublishAsync(fixture.Service.EndpointName, json.ToJsonString());

        Assert.Contains("too-many", await fixture.Service.Database.WaitForRejectionAsync(messageId));
        Assert.Equal(path, await fixture.Service.Database.ScalarAsync<string>(
            "SELECT v->>'field' FROM accreditation.rejected_events, jsonb_array_elements(violations) v WHERE message_id = @id AND v->>'code' = 'too-many'",
            ("id", messageId)));
    }
}
