using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>
/// A corrected name or identifier reaches every recipient that holds the old value, the way each
/// takes corrections, and no other.
/// </summary>
public sealed class RectificationTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const string Pars = "accme-pars-learners";
    private const string JointProvider = "joint-provider/cme-consultants";

    private PrivacyService.PrivacyServiceClient Privacy => new(fixture.Service.CreateChannel(StaffRoles.PrivacyOfficer));

    private static JsonObjectWithIds Learner(bool stateBoardReporting)
    {
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var json = Completion(NewActivity(), change: e =>
        {
            e["activity"]!["accmeActivityId"] = accmeId;
            e["consents"]!["stateBoardReporting"] = stateBoardReporting;
        });
        return new JsonObjectWithIds(json, accmeId);
    }

    private sealed record JsonObjectWithIds(System.Text.Json.Nodes.JsonObject Json, string AccmeId);

    [Fact]
    public async Task ACorrectedNameAndNpiReachPARSAndTheJointProviderAsCorrections()
    {
        var learner = Learner(stateBoardReporting: true);
        await fixture.StoreAsync(learner.Json);
        var (_, parsBefore) = await fixture.CreateAndDownloadAsync(Pars);
        var (_, jointBefore) = await fixture.CreateAndDownloadAsync(JointProvider);
        var sentToPars = Assert.Single(parsBefore.Rows, r => r["ACCME Activity ID"] == learner.AccmeId);
        var sentToJoint = Assert.Single(jointBefore.Rows, r => r["Record ID"] == EventId(learner.Json));
        Assert.Equal("MN-55512", sentToPars["Licensing ID or NPI"]);

        var answer = await Privacy.RectifyLearnerAsync(new RectifyLearnerRequest
        {
            LearnerId = LearnerId(learner.Json), RequestReference = "DSR-2026-0042", LastName = "Doe-Smith", LicenseId = "MN-77777",
        });
        Assert.Equal(1, answer.ProfilesCorrected);
        Assert.Equal(["last-name", "licensing-id-or-npi"], answer.FieldsCorrected);

        var (parsBatch, pars) = await fixture.CreateAndDownloadAsync(Pars);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == learner.AccmeId).ToList();
        Assert.Equal(["Delete", "Add"], rows.Select(r => r["Record Action"]));
        Assert.Equal(sentToPars.Values.Skip(1), rows[0].Values.Skip(1));
        Assert.Equal(("Doe-Smith", "MN-77777"), (rows[1]["Last Name"], rows[1]["Licensing ID or NPI"]));
        Assert.Equal(1, parsBatch.Corrections);

        var (_, joint) = await fixture.CreateAndDownloadAsync(JointProvider);
        var withdrawn = Assert.Single(joint.Rows, r => r["Record Status"] == "withdrawn" && r["Record ID"] == sentToJoint["Record ID"]);
        var added = Assert.Single(joint.Rows, r => r["Record Status"] == "new" && r["Last Name"] == "Doe-Smith");
        Assert.NotEqual(sentToJoint["Record ID"], added["Record ID"]);
        Assert.Equal("MN-77777", added["Licensing ID or NPI"]);

        // Corrected once: the next batches have nothing more about it.
        Assert.False((await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Pars })).Batch?.Corrections > 0);

        // A second correction withdraws the record the first one sent.
        await Privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = LearnerId(learner.Json), RequestReference = "DSR-2026-0043", FirstName = "Janet" });
        var (_, again) = await fixture.CreateAndDownloadAsync(JointProvider);
        Assert.Single(again.Rows, r => r["Record Status"] == "withdrawn" && r["Record ID"] == added["Record ID"]);
        Assert.Single(again.Rows, r => r["Record Status"] == "new" && r["First Name"] == "Janet" && r["Last Name"] == "Doe-Smith");
        _ = withdrawn;
    }

    [Fact]
    public async Task ARecipientThatNeverReceivedTheOldValueGetsNothing()
    {
        // No state-board permission: neither PARS nor the joint provider was sent the licence.
        var learner = Learner(stateBoardReporting: false);
        await fixture.StoreAsync(learner.Json);
        var (_, pars) = await fixture.CreateAndDownloadAsync(Pars);
        await fixture.CreateAndDownloadAsync(JointProvider);
        Assert.Equal("", Assert.Single(pars.Rows, r => r["ACCME Activity ID"] == learner.AccmeId)["Licensing ID or NPI"]);

        await Privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = LearnerId(learner.Json), RequestReference = "DSR-1", LicenseId = "MN-1" });

        foreach (var recipient in new[] { Pars, JointProvider })
        {
            var next = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
            Assert.True(!next.Created || next.Batch.Corrections == 0, $"{recipient} got a correction of a value it never had");
        }
    }

    [Fact]
    public async Task ALaterEventWithANewLicenceIsCorrectedTheSameWayAndAnOlderOneDoesNotUndoACorrection()
    {
        var learner = Learner(stateBoardReporting: true);
        await fixture.StoreAsync(learner.Json);
        await fixture.CreateAndDownloadAsync(Pars);

        // Another activity, later: the platform now knows a new licence ID.
        var later = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(learner.Json);
            e["occurredAt"] = "2026-11-25T09:00:00Z";
            e["learner"]!["licenseId"] = "MN-NEW-1";
            e["consents"]!["stateBoardReporting"] = true;
        });
        await fixture.StoreAsync(later);
        var (_, pars) = await fixture.CreateAndDownloadAsync(Pars);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == learner.AccmeId).ToList();
        Assert.Equal(["Delete", "Add"], rows.Select(r => r["Record Action"]));
        Assert.Equal(("MN-55512", "MN-NEW-1"), (rows[0]["Licensing ID or NPI"], rows[1]["Licensing ID or NPI"]));

        // The privacy office corrects it; then an event that occurred before the correction arrives late.
        await Privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = LearnerId(learner.Json), RequestReference = "DSR-2", LicenseId = "MN-RIGHT" });
        var late = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(learner.Json);
            e["occurredAt"] = "2026-11-26T09:00:00Z";
            e["learner"]!["licenseId"] = "MN-NEW-1";
        });
        await fixture.StoreAsync(late);
        var licence = await fixture.Service.Database.ScalarAsync<string>(
            "SELECT p.license_id FROM accreditation.learner_profiles p JOIN accreditation.learners l ON l.id = p.learner_key WHERE l.learner_id = @id",
            ("id", LearnerId(learner.Json)));
        Assert.Equal("MN-RIGHT", licence);
    }

    [Fact]
    public async Task ItIsAuditedWithFieldNamesAndNeverValues()
    {
        var learner = Learner(stateBoardReporting: true);
        await fixture.StoreAsync(learner.Json);
        await Privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = LearnerId(learner.Json), RequestReference = "DSR-9", LastName = "Zzyzx-Unique" });

        var entry = await fixture.Service.Database.ScalarAsync<string>(
            "SELECT action || ' ' || target || ' ' || details::text FROM accreditation.audit_events WHERE details->>'request_reference' = 'DSR-9'");
        Assert.StartsWith("learner.rectify learner:", entry);
        Assert.Contains("last-name", entry);
        Assert.DoesNotContain("Zzyzx", entry);
    }

    [Fact]
    public async Task BadRequestsNameTheField()
    {
        async Task<string> FieldOf(RectifyLearnerRequest request)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Privacy.RectifyLearnerAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            return error.Status.Detail;
        }

        Assert.StartsWith("request_reference", await FieldOf(new RectifyLearnerRequest { LearnerId = "x", LastName = "A" }));
        Assert.StartsWith("npi", await FieldOf(new RectifyLearnerRequest { LearnerId = "x", RequestReference = "r", Npi = "12" }));
        Assert.StartsWith("birth_day", await FieldOf(new RectifyLearnerRequest { LearnerId = "x", RequestReference = "r", BirthMonth = 2 }));
        Assert.StartsWith("birth_day", await FieldOf(new RectifyLearnerRequest { LearnerId = "x", RequestReference = "r", BirthMonth = 2, BirthDay = 30 }));
        Assert.StartsWith("first_name", await FieldOf(new RectifyLearnerRequest { LearnerId = "x", RequestReference = "r" }));

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            Privacy.RectifyLearnerAsync(new RectifyLearnerRequest { LearnerId = "nobody-" + Guid.NewGuid(), RequestReference = "r", LastName = "A" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
