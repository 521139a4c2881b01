using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>A completion that changed after it was sent is corrected in the next batch, the way each recipient takes corrections.</summary>
public sealed class CorrectionTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task ParsGetsADeleteOfTheRowsSentThenAnAddOfTheNewValue()
    {
        var activity = NewActivity();
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sent = Completion(activity, change: e => e["activity"]!["accmeActivityId"] = accmeId);
        await fixture.StoreAsync(sent);
        var (_, first) = await fixture.CreateAndDownloadAsync("accme-pars-learners");
        var sentRow = Assert.Single(first.Rows, r => r["ACCME Activity ID"] == accmeId);

        // The learner's name was corrected and the claim lowered; PARS must drop exactly what it holds.
        var corrected = Completion(activity, change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(sent);
            e["learner"]!["lastName"] = "Doe-Smith";
            e["occurredAt"] = "2026-11-21T09:00:00Z";
            e["activity"]!["accmeActivityId"] = accmeId;
            e["claims"]![0]!["amount"] = 6.5;
        });
        await fixture.StoreAsync(corrected);
        var (batch, second) = await fixture.CreateAndDownloadAsync("accme-pars-learners");

        var rows = second.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(["Delete", "Add"], rows.Select(r => r["Record Action"]));
        Assert.Equal(sentRow.Values.Skip(1), rows[0].Values.Skip(1));
        Assert.Equal(("Doe-Smith", "6.5"), (rows[1]["Last Name"], rows[1]["Number of CME Credits"]));
        Assert.Equal(1, batch.Corrections);
    }

    [Fact]
    public async Task TheJointProviderGetsAWithdrawalByRecordIdThenTheNewRecord()
    {
        var activity = NewActivity();
        var sent = Completion(activity);
        await fixture.StoreAsync(sent);
        await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");

        var retake = Completion(activity, change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(sent);
            e["occurredAt"] = "2026-11-21T09:00:00Z";
            e["assessment"]!["score"] = 95;
        });
        await fixture.StoreAsync(retake);
        var (_, file) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");
        var rows = file.Rows;

        var withdrawn = Assert.Single(rows, r => r["Record ID"] == EventId(sent));
        Assert.Equal("withdrawn", withdrawn["Record Status"]);
        Assert.All(withdrawn.Where(c => c.Key is not ("Record ID" or "Record Status")), c => Assert.Equal("", c.Value));
        var added = Assert.Single(rows, r => r["Record ID"] == EventId(retake));
        Assert.Equal(("new", "95"), (added["Record Status"], added["Quiz Score"]));
        Assert.True(rows.IndexOf(withdrawn) < rows.IndexOf(added));
    }

    [Fact]
    public async Task ACompletionReplacedBeforeItWasSentIsLeftOutAsSuperseded()
    {
        var activity = NewActivity();
        var first = Completion(activity);
        var retake = Completion(activity, change: e =>
        {
            e["learner"]!["learnerId"] = LearnerId(first);
            e["occurredAt"] = "2026-11-21T09:00:00Z";
        });
        await fixture.StoreAsync(first, retake);

        var (batch, file) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");

        Assert.DoesNotContain(file.Rows, r => r["Record ID"] == EventId(first));
        Assert.Contains(file.Rows, r => r["Record ID"] == EventId(retake));
        Assert.Contains(batch.Exclusions, e => e.Reason == "superseded");
    }

    [Fact]
    public async Task ACompletionCommittedAfterALaterOneWasSentGoesInTheNextBatchWithItsCredits()
    {
        // Completion IDs are given at insert and become visible at commit, so a completion can
        // arrive below the highest one a recipient already has. Its awards must still be found.
        var activity = NewActivity();
        var late = Completion(activity, change: e => e["claims"]![0]!["amount"] = 3.25);
        var early = Completion(NewActivity());
        await fixture.StoreAsync(late);
        await fixture.StoreAsync(early);
        await fixture.Service.Database.ScalarAsync<int>(
            "UPDATE accreditation.completions SET received_at = now() + interval '1 day' WHERE event_id = @e::uuid RETURNING 1", ("e", EventId(late)));
        var (_, first) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");
        Assert.Contains(first.Rows, r => r["Record ID"] == EventId(early));
        Assert.DoesNotContain(first.Rows, r => r["Record ID"] == EventId(late));

        await fixture.Service.Database.ScalarAsync<int>(
            "UPDATE accreditation.completions SET received_at = now() - interval '1 minute' WHERE event_id = @e::uuid RETURNING 1", ("e", EventId(late)));
        var (batch, second) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");

        var row = Assert.Single(second.Rows, r => r["Record ID"] == EventId(late));
        Assert.Equal(("new", "3.25"), (row["Record Status"], row["AMA PRA Category 1 Credits Claimed"]));
        Assert.Equal(1, batch.Included);
    }
}
