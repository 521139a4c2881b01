using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>Two joint providers configured: each gets only the learners of the activities it jointly provides.</summary>
public sealed class JointProviderRecipientTests(JointProviderRecipientTests.TwoJointProviders fixture)
    : IClassFixture<JointProviderRecipientTests.TwoJointProviders>
{
    public sealed class TwoJointProviders : ExportServiceFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["JointProviders:cme-consultants:Name"] = "CME Consultants",
            ["JointProviders:heartcare-ed:Name"] = "HeartCare Education",
        };
    }

    private const string CmeConsultants = "joint-provider/cme-consultants";
    private const string HeartCare = "joint-provider/heartcare-ed";

    [Fact]
    public async Task EachJointProviderGetsOnlyItsOwnActivitiesLearners()
    {
        // Activities name their joint provider by its ID or by its configured name, in any case.
        var ofCmeConsultants = Completion(NewActivity(), change: e => e["activity"]!["jointProvider"] = "cme consultants");
        var ofHeartCare = Completion(NewActivity(), change: e => e["activity"]!["jointProvider"] = "heartcare-ed");
        var ofNobodyConfigured = Completion(NewActivity(), change: e => e["activity"]!["jointProvider"] = "Unknown Partners");
        var direct = Completion(NewActivity(), change: e => e["activity"]!["jointProvider"] = null);
        await fixture.StoreAsync(ofCmeConsultants, ofHeartCare, ofNobodyConfigured, direct);

        var (cmeBatch, cmeFile) = await fixture.CreateAndDownloadAsync(CmeConsultants);
        var (heartBatch, heartFile) = await fixture.CreateAndDownloadAsync(HeartCare);
        Assert.Equal($"joint-provider-cme-consultants-{cmeBatch.Id:D6}.csv", cmeBatch.Manifest.FileName);

        Assert.Contains(cmeFile.Rows, r => r["Record ID"] == EventId(ofCmeConsultants));
        Assert.DoesNotContain(cmeFile.Rows, r => r["Record ID"] == EventId(ofHeartCare) || r["Record ID"] == EventId(ofNobodyConfigured));
        Assert.Contains(heartFile.Rows, r => r["Record ID"] == EventId(ofHeartCare));
        Assert.DoesNotContain(heartFile.Rows, r => r["Record ID"] == EventId(ofCmeConsultants) || r["Record ID"] == EventId(ofNobodyConfigured));
        Assert.DoesNotContain(cmeFile.Rows.Concat(heartFile.Rows), r => r["Record ID"] == EventId(direct));

        foreach (var batch in new[] { cmeBatch, heartBatch })
        {
            var reasons = batch.Exclusions.ToDictionary(e => e.Reason, e => e.Count);
            Assert.True(reasons.GetValueOrDefault("joint-provider-not-configured") >= 1, $"{batch.Recipient}: {string.Join(", ", reasons)}");
            Assert.True(reasons.GetValueOrDefault("another-joint-provider") >= 1, $"{batch.Recipient}: {string.Join(", ", reasons)}");
            Assert.True(reasons.GetValueOrDefault("not-jointly-provided") >= 1, $"{batch.Recipient}: {string.Join(", ", reasons)}");
        }
    }

    [Fact]
    public async Task MedmasteryLearnersGoOnlyToTheJointProviderItsPolicyNames()
    {
        // Seed 001 names "CME Consultants, our joint provider" and no other.
        var named = Completion(NewActivity(), "medmastery-2017-06-20", e => e["activity"]!["jointProvider"] = "cme-consultants");
        var other = Completion(NewActivity(), "medmastery-2017-06-20", e => e["activity"]!["jointProvider"] = "heartcare-ed");
        var otherUnderMayo = Completion(NewActivity(), change: e => e["activity"]!["jointProvider"] = "heartcare-ed");
        await fixture.StoreAsync(named, other, otherUnderMayo);

        var (_, cmeFile) = await fixture.CreateAndDownloadAsync(CmeConsultants);
        var (heartBatch, heartFile) = await fixture.CreateAndDownloadAsync(HeartCare);

        Assert.Contains(cmeFile.Rows, r => r["Record ID"] == EventId(named));
        Assert.DoesNotContain(heartFile.Rows, r => r["Record ID"] == EventId(other));
        Assert.Contains(heartFile.Rows, r => r["Record ID"] == EventId(otherUnderMayo));
        Assert.Contains(heartBatch.Exclusions, e => e.Reason == "policy-names-another-joint-provider");
    }

    [Fact]
    public async Task TheSharedJointProviderRecipientIsNoLongerOne()
    {
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            fixture.Exports.CreateBatchAsync(new AccreditationReporting.Api.V1.CreateBatchRequest { Recipient = "joint-provider" }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("joint-provider/heartcare-ed", error.Status.Detail);
    }
}

/// <summary>The policy's own joint provider can be renamed in configuration.</summary>
public sealed class RenamedJointProviderTests(RenamedJointProviderTests.Renamed fixture) : IClassFixture<RenamedJointProviderTests.Renamed>
{
    public sealed class Renamed : ExportServiceFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["JointProviders:cme-consultants:Name"] = null,
            ["JointProviders:cmec:Name"] = "CME Consultants Inc.",
            ["Policies:JointProviderNames:medmastery-2017-06-20"] = "CME Consultants Inc.",
        };
    }

    [Fact]
    public async Task PoliciesJointProviderNamesReplacesTheSeedsName()
    {
        var learner = Completion(NewActivity(), "medmastery-2017-06-20", e => e["activity"]!["jointProvider"] = "cmec");
        await fixture.StoreAsync(learner);
        var (_, file) = await fixture.CreateAndDownloadAsync("joint-provider/cmec");
        Assert.Contains(file.Rows, r => r["Record ID"] == EventId(learner));
    }
}
