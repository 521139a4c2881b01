using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>Each recipient's file: its columns in its order, and only the learners its policy and their claims allow.</summary>
public sealed class RecipientFileTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task JointProviderGetsClaimantsOfAmaCreditOnlyWithTheirPermittedFields()
    {
        var activity = NewActivity();
        var claimant = Completion(activity);
        var participant = Completion(activity, change: ParticipationOnly);
        var laboratory = Completion(activity, policy: "mayo-medical-laboratories-2014-12-17");
        await fixture.StoreAsync(claimant, participant, laboratory);

        var (batch, file) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");

        Assert.Equal(
            ["Record ID", "Record Status", "First Name", "Last Name", "Activity ID", "Activity Title", "Completion Date",
             "AMA PRA Category 1 Credits Claimed", "Assessment Passed", "Quiz Score", "Evaluation Completed",
             "Date of Birth (MM/DD)", "Licensing State", "Licensing ID or NPI", "Certifying Board", "Certifying Board ID"],
            file.Headers);
        var row = Assert.Single(file.Rows, r => r["Activity ID"] == activity);
        Assert.Equal(EventId(claimant), row["Record ID"]);
        Assert.Equal(("new", "Jane", "Doe", "2026-11-20", "7.75"), (row["Record Status"], row["First Name"], row["Last Name"], row["Completion Date"], row["AMA PRA Category 1 Credits Claimed"]));
        Assert.Equal(("Y", "86", "Y"), (row["Assessment Passed"], row["Quiz Score"], row["Evaluation Completed"]));

        // Board permission given, state-licence permission not: board fields and birth MM/DD, no licence.
        Assert.Equal(("04/23", "ABIM", "123456"), (row["Date of Birth (MM/DD)"], row["Certifying Board"], row["Certifying Board ID"]));
        Assert.Equal(("", ""), (row["Licensing State"], row["Licensing ID or NPI"]));
        Assert.DoesNotContain("jane.doe@example.org", file.Text);
        Assert.DoesNotContain("1979", file.Text);

        Assert.Contains(batch.Exclusions, e => e.Reason == "no-qualifying-claim");
        Assert.Contains(batch.Exclusions, e => e.Reason == "policy-does-not-allow-recipient");
        Assert.Equal(file.Rows.Count, batch.Manifest.RowCount);
        Assert.Equal(batch.Included, file.Rows.Count);
    }

    [Fact]
    public async Task ParsLearnerFileFollowsTheTemplateAndLeavesOutMedmasteryLearners()
    {
        var activity = NewActivity();
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mayo = Completion(activity, change: e =>
        {
            e["consents"]!["stateBoardReporting"] = true;
            e["activity"]!["accmeActivityId"] = accmeId;
        });
        var medmastery = Completion(activity, policy: "medmastery-2017-06-20", change: e => e["activity"]!["accmeActivityId"] = accmeId);
        await fixture.StoreAsync(mayo, medmastery);

        var (batch, file) = await fixture.CreateAndDownloadAsync("accme-pars-learners");

        Assert.Equal("text/tab-separated-values", file.Manifest.ContentType);
        Assert.Equal(
            ["Record Action", "ACCME Activity ID", "Completion Date", "First Name", "Last Name", "Date of Birth (MM/DD)", "Licensing State",
             "Licensing ID or NPI", "Number of CME Credits", "Certifying Board", "Certifying Board ID", "Total Board Credits", "Credit Type",
             "Credits Awarded for Credit Type"],
            file.Headers);
        Assert.StartsWith("Record Action\tACCME Activity ID\t", file.Text);
        var row = Assert.Single(file.Rows, r => r["ACCME Activity ID"] == accmeId);
        Assert.Equal(
            ["Add", accmeId, "11/20/2026", "Jane", "Doe", "04/23", "MN", "MN-55512", "7.75", "ABIM", "123456", "7.75", "Medical Knowledge", "7.75"],
            row.Values);
        Assert.Contains(batch.Exclusions, e => e.Reason == "policy-does-not-allow-recipient" && e.Count >= 1);
    }

    [Fact]
    public async Task CountsOnlyFilesCountEveryLearnerWhateverThePolicy()
    {
        var activity = NewActivity();
        var events = new[]
        {
            Completion(activity, change: e => e["activity"]!["eaccmeEventCode"] = $"EV-{activity}"),
            Completion(activity, policy: "mayo-medical-laboratories-2014-12-17", change: e => e["activity"]!["eaccmeEventCode"] = $"EV-{activity}"),
            Completion(activity, change: e => { ParticipationOnly(e); e["activity"]!["eaccmeEventCode"] = $"EV-{activity}"; }),
        };
        await fixture.StoreAsync(events);

        var (_, pars) = await fixture.CreateAndDownloadAsync("accme-pars-activities");
        var summary = Assert.Single(pars.Rows, r => r["Activity Title"] == "ECG Basics" && r["Total Other Learners"] == "1" && r["Total Physician Learners"] == "2");
        Assert.Equal(("202600123", "2026", "8", "Jointly provided"), (summary["ACCME Activity ID"], summary["Reporting Year"], summary["AMA PRA Category 1 Credits Designated"], summary["Providership"]));

        var (_, eaccme) = await fixture.CreateAndDownloadAsync("eaccme-events");
        var report = Assert.Single(eaccme.Rows, r => r["EACCME Event Code"] == $"EV-{activity}");
        Assert.Equal(("3", "3"), (report["Number of Participants"], report["Feedback Forms Completed"]));
        Assert.DoesNotContain("Jane", pars.Text + eaccme.Text);
    }

    [Fact]
    public async Task ASecondBatchTakesOnlyWhatCameAfterTheFirst()
    {
        var first = Completion(NewActivity());
        await fixture.StoreAsync(first);
        var (_, firstFile) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");
        Assert.Contains(firstFile.Rows, r => r["Record ID"] == EventId(first));

        var nothing = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" });
        Assert.False(nothing.Created);

        var second = Completion(NewActivity());
        await fixture.StoreAsync(second);
        var (_, secondFile) = await fixture.CreateAndDownloadAsync("joint-provider/cme-consultants");
        Assert.Equal([EventId(second)], secondFile.Rows.Select(r => r["Record ID"]));
    }

    [Fact]
    public async Task DownloadStreamsTheManifestThenChunksThatMatchItAndIsAudited()
    {
        await fixture.StoreAsync(Enumerable.Range(0, 400).Select(_ => Completion(NewActivity(), change: e =>
            e["activity"]!["title"] = new string('x', 400))).ToArray());
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" });

        var file = await fixture.DownloadAsync(created.Batch.Id);

        Assert.True(file.ChunkSizes.Count > 2);
        Assert.All(file.ChunkSizes.SkipLast(1), size => Assert.InRange(size, 32 * 1024, 64 * 1024));
        Assert.Equal(file.Manifest.ByteLength, file.Bytes.Length);
        Assert.Equal(file.Manifest.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.Bytes)));
        Assert.Equal(400, file.Manifest.RowCount);
        var entries = await fixture.Service.Database.ColumnAsync<string>(
            """
            SELECT outcome || ' ' || coalesce(details->>'bytes_sent', '-') || ' ' || sha256 || ' ' || row_count FROM accreditation.audit_events
            WHERE action = 'batch.download' AND target = @target ORDER BY id
            """,
            ("target", $"batch:{created.Batch.Id}"));
        Assert.Equal(
            [$"started - {file.Manifest.Sha256} 400", $"completed {file.Bytes.Length} {file.Manifest.Sha256} 400"], entries);
    }

    [Fact]
    public async Task SubmissionsAreRecordedAndShownWithTheBatch()
    {
        await fixture.StoreAsync(Completion(NewActivity()));
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        var submittedAt = created.Batch.CreatedAt.ToDateTimeOffset().AddHours(1);

        await fixture.Exports.RecordSubmissionAsync(new RecordSubmissionRequest
        {
            BatchId = created.Batch.Id, SubmittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(submittedAt),
            Method = "PARS batch upload", Outcome = SubmissionOutcome.Accepted,
            RecipientResponse = "upload 88123 accepted",
        });

        var batch = await fixture.Exports.GetBatchAsync(new GetBatchRequest { BatchId = created.Batch.Id });
        var submission = Assert.Single(batch.Submissions);
        Assert.Equal(("PARS batch upload", SubmissionOutcome.Accepted, "upload 88123 accepted"), (submission.Method, submission.Outcome, submission.RecipientResponse));
        Assert.Equal(14, batch.Columns.Count);

        var listed = await fixture.Exports.ListBatchesAsync(new ListBatchesRequest { Recipient = "accme-pars-learners" });
        Assert.Contains(listed.Batches, b => b.Id == batch.Id);
    }

    [Fact]
    public async Task BadRequestsNameTheField()
    {
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "marketing" }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("recipient", unknown.Status.Detail);

        var missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            fixture.Exports.GetBatchAsync(new GetBatchRequest { BatchId = 987654 }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);

        var noMethod = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            fixture.Exports.RecordSubmissionAsync(new RecordSubmissionRequest
            {
                BatchId = 1, SubmittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Outcome = SubmissionOutcome.Accepted,
            }).ResponseAsync);
        Assert.Contains("method", noMethod.Status.Detail);
    }
}
