using System.Globalization;
using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>A batch pushed to a joint provider's endpoint is in the learner's access copy as pushed: when, and where.</summary>
public sealed class AccessCopyDeliveryTests
{
    [Fact]
    public async Task APushedBatchIsDisclosedWithWhenAndWhereItWasDelivered()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(200);
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?>
        {
            ["JointProviders:cme-consultants:Delivery:Endpoint"] = endpoint.Url.ToString(),
            ["JointProviders:cme-consultants:Delivery:PollInterval"] = "00:00:00.2",
        });
        var exports = new ExportServiceFixtureOver(service);
        var stored = Completion(NewActivity());
        await exports.StoreAsync(stored);
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" })).Batch;
        await Eventually.TrueAsync(
            async () => (await exports.Exports.GetBatchAsync(new GetBatchRequest { BatchId = batch.Id })).Delivery.Status == "Delivered",
            TimeSpan.FromSeconds(20),
            "the batch pushed");
        var delivered = await exports.Exports.GetBatchAsync(new GetBatchRequest { BatchId = batch.Id });

        var privacy = new PrivacyService.PrivacyServiceClient(service.CreateChannel(StaffRoles.PrivacyOfficer));
        var copy = await privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = LearnerId(stored), RequestReference = "DSR-PUSH-1" });
        var document = JsonNode.Parse(copy.Document.ToStringUtf8())!.AsObject();

        var disclosure = Assert.Single(document["disclosures"]!.AsArray(), d => (long)d!["batchId"]! == batch.Id)!;
        Assert.Equal("joint-provider/cme-consultants", (string?)disclosure["recipient"]);
        var delivery = disclosure["delivery"]!;
        Assert.Equal(endpoint.Url.ToString(), (string?)delivery["deliveredTo"]);
        Assert.Equal(delivered.Delivery.DeliveredAt.ToDateTimeOffset(), DateTimeOffset.Parse((string)delivery["deliveredAt"]!, CultureInfo.InvariantCulture));
        Assert.Empty(disclosure["downloads"]!.AsArray());
    }
}
