using AccreditationReporting.Access;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Google.Rpc;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>The export service with every log line it writes captured, and a learner-rights client.</summary>
public sealed class LearnerRightsFixture : ExportServiceFixture, IAsyncLifetime
{
    public CapturedLogs Logs { get; } = new();

    public LearnerRightsService.LearnerRightsServiceClient LearnerRights { get; private set; } = null!;

    // Debug wherever appsettings.json sets no quieter level, so the canary sees more than production
    // writes; the console stays at Warning.
    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Debug",
        ["Logging:Console:LogLevel:Default"] = "Warning",
    };

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Service.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        LearnerRights = new LearnerRightsService.LearnerRightsServiceClient(Service.CreateChannel(StaffRoles.PrivacyOfficer));
    }
}

/// <summary>
/// The learner's right to erasure inside the retention period (../shared/DOMAIN.md): what
/// verification does not need is deleted, the verification record is kept, the request is recorded,
/// and recipients that were sent the completion get it deleted in their next batch.
/// </summary>
public sealed class LearnerErasureTests(LearnerRightsFixture fixture) : IClassFixture<LearnerRightsFixture>
{
    private const string ParsLearners = "accme-pars-learners";
    private const string JointProvider = "joint-provider/cme-consultants";
    private const string ParsActivities = "accme-pars-activities";

    private ServiceDatabase Database => fixture.Service.Database;

    [Fact]
    public async Task ErasureScrubsExactlyWhatVerificationDoesNotNeedAndKeepsTheVerificationRecord()
    {
        var stored = Personal(NewActivity(), NewAccmeId());
        await fixture.StoreAsync(stored);
        var learnerId = LearnerId(stored);
        var (learnerBefore, completionBefore, awardsBefore) = await RowsAsync(stored);

        var erased = await EraseAsync(learnerId, "PRIV-2026-0042");

        Assert.Equal((1, false), (erased.CompletionsErased, erased.AlreadyErased));
        Assert.InRange(erased.ErasedAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var (learner, completion, awards) = await RowsAsync(stored);

        Assert.Equal(["birth_year", "boards", "email", "erased_at", "license_id", "license_state", "npi"], Changed(learnerBefore, learner));
        Assert.All(new[] { "birth_year", "email", "license_id", "license_state", "npi" }, column => Assert.Null(learner[column]));
        Assert.Empty(learner["boards"]!.AsArray());
        Assert.NotNull(learner["erased_at"]);
        Assert.Equal(("Jane", "Doe", 4, 23), ((string?)learner["first_name"], (string?)learner["last_name"], (int?)learner["birth_month"], (int?)learner["birth_day"]));

        Assert.Equal(["assessment_score", "erased_at"], Changed(completionBefore, completion));
        Assert.Null(completion["assessment_score"]);
        Assert.Equal(("2026-11-20", true), ((string?)completion["completed_on"], (bool?)completion["evaluation_completed"]));

        // Credits claimed and awarded and MOC points are the verification record.
        Assert.Equal(awardsBefore, awards);
        Assert.Contains("\"credit_type\":\"Moc\"", awards);

        var request = await RowAsync(
            "SELECT row_to_json(r)::text FROM accreditation.erasure_requests r JOIN accreditation.learners l ON l.id = r.learner_key WHERE l.learner_id = @id",
            learnerId);
        Assert.Equal("PRIV-2026-0042", (string?)request["request_reference"]);
        Assert.Equal("Tester (privacy-officer) (tester-privacy-officer)", (string?)request["actor"]);
        Assert.Equal((1, false), ((int?)request["completions_erased"], (bool?)request["already_erased"]));
        Assert.Contains("GDPR Art. 17(3)(b)", (string?)request["legal_basis"]);

        var record = await fixture.Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var shown = Assert.Single(record.Completions);
        Assert.Equal(erased.ErasedAt, shown.ErasedAt);
        Assert.False(shown.HasAssessmentScore);
        Assert.Equal(2, shown.Awards.Count);
    }

    [Fact]
    public async Task ASecondErasureSaysAlreadyErasedRecordsTheRequestAndChangesNothingElse()
    {
        var stored = Personal(NewActivity(), NewAccmeId());
        await fixture.StoreAsync(stored);
        var first = await EraseAsync(LearnerId(stored), "PRIV-1");
        var afterFirst = await RowsAsync(stored);

        var second = await EraseAsync(LearnerId(stored), "PRIV-2");

        Assert.Equal((0, true, first.ErasedAt), (second.CompletionsErased, second.AlreadyErased, second.ErasedAt));
        var afterSecond = await RowsAsync(stored);
        Assert.Empty(Changed(afterFirst.Learner, afterSecond.Learner));
        Assert.Empty(Changed(afterFirst.Completion, afterSecond.Completion));
        Assert.Equal(afterFirst.Awards, afterSecond.Awards);
        var requests = await Database.ColumnAsync<string>(
            """
            SELECT r.request_reference || ':' || r.completions_erased || ':' || r.already_erased
            FROM accreditation.erasure_requests r JOIN accreditation.learners l ON l.id = r.learner_key
            WHERE l.learner_id = @id ORDER BY r.id
            """,
            ("id", LearnerId(stored)));
        Assert.Equal(["PRIV-1:1:false", "PRIV-2:0:true"], requests);
    }

    [Fact]
    public async Task ACompletionSentThenErasedIsDeletedFromParsAndWithdrawnFromTheJointProviderAndNeverSentAgain()
    {
        await FlushAsync();
        var accmeId = NewAccmeId();
        var stored = Personal(NewActivity(), accmeId, TwoMocAwards);
        await fixture.StoreAsync(stored);
        var (_, parsSent) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var (_, jointSent) = await fixture.CreateAndDownloadAsync(JointProvider);
        var sentRows = parsSent.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(2, sentRows.Count);
        Assert.Contains(jointSent.Rows, r => r["Record ID"] == EventId(stored));

        await EraseAsync(LearnerId(stored));

        // PARS does not edit records: it gets a Delete of exactly what it holds, read back from the file it was sent, and no Add.
        var (parsBatch, pars) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(["Delete", "Delete"], rows.Select(r => r["Record Action"]));
        Assert.Equal(sentRows.Select(r => r.Values.Skip(1).ToList()), rows.Select(r => r.Values.Skip(1).ToList()));
        Assert.Equal((1, 0), (parsBatch.Corrections, parsBatch.Included));

        var (jointBatch, joint) = await fixture.CreateAndDownloadAsync(JointProvider);
        var withdrawn = Assert.Single(joint.Rows, r => r["Record ID"] == EventId(stored));
        Assert.Equal("withdrawn", withdrawn["Record Status"]);
        Assert.All(withdrawn.Where(c => c.Key is not ("Record ID" or "Record Status")), c => Assert.Equal("", c.Value));
        Assert.Equal((1, 0), (jointBatch.Corrections, jointBatch.Included));

        // Counts are not personal data, and the activity did have that participant.
        var (_, activities) = await fixture.CreateAndDownloadAsync(ParsActivities);
        Assert.Equal("1", Assert.Single(activities.Rows, r => r["ACCME Activity ID"] == accmeId)["Total Physician Learners"]);

        await fixture.StoreAsync(Completion(NewActivity()));
        foreach (var recipient in new[] { ParsLearners, JointProvider })
        {
            var (_, later) = await fixture.CreateAndDownloadAsync(recipient);
            Assert.DoesNotContain(later.Rows, r => r.GetValueOrDefault("ACCME Activity ID") == accmeId || r.GetValueOrDefault("Record ID") == EventId(stored));
        }

        Assert.Equal(
            ["accme-pars-activities:Counted", "accme-pars-learners:Add", "accme-pars-learners:Delete", "joint-provider:Add", "joint-provider:Delete"],
            await LinesAsync(stored));
    }

    [Fact]
    public async Task AnErasedCompletionNeverSentIsExcludedAsErased()
    {
        await FlushAsync();
        var accmeId = NewAccmeId();
        var stored = Personal(NewActivity(), accmeId);
        await fixture.StoreAsync(stored);

        await EraseAsync(LearnerId(stored));

        foreach (var recipient in new[] { ParsLearners, JointProvider })
        {
            var (batch, file) = await fixture.CreateAndDownloadAsync(recipient);
            Assert.DoesNotContain(file.Rows, r => r.GetValueOrDefault("ACCME Activity ID") == accmeId || r.GetValueOrDefault("Record ID") == EventId(stored));
            Assert.Equal(1, Assert.Single(batch.Exclusions, e => e.Reason == "erased").Count);
            Assert.Equal((0, 0), (batch.Included, batch.Corrections));
        }

        Assert.Equal(["accme-pars-learners:Excluded:erased", "joint-provider:Excluded:erased"], await LinesAsync(stored, withReason: true));
    }

    [Fact]
    public async Task AfterErasureTheLearnersPersonalDataIsLeftOnlyInTheFilesOfEarlierBatches()
    {
        await FlushAsync();
        var activity = NewActivity();
        var stored = Personal(activity, NewAccmeId());
        await fixture.StoreAsync(stored);

        // A later event of the same learner that is rejected (a claim above the designation): its raw payload is kept for replay.
        var rejected = JsonNode.Parse(stored.ToJsonString())!.AsObject();
        rejected["eventId"] = Guid.NewGuid().ToString();
        rejected["claims"]![0]!["amount"] = 100;
        await fixture.Service.Services.GetRequiredService<IBus>().Publish(rejected.ToMessage());
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.rejected_events WHERE event_id = @id AND payload IS NOT NULL", ("id", Guid.Parse(EventId(rejected)))) > 0,
            what: "the rejected event recorded with its payload");

        var (parsBatch, parsFile) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var (jointBatch, jointFile) = await fixture.CreateAndDownloadAsync(JointProvider);
        var canaries = Canaries(stored);
        Assert.Contains(canaries.LicenseId, parsFile.Text);
        Assert.Contains(canaries.BoardId, jointFile.Text);

        // The canary finds them before: in the learner row, and in the rejected payload (bytes).
        foreach (var canary in canaries.All)
        {
            Assert.Contains("learners", await TablesHoldingAsync(canary));
        }

        Assert.Contains("rejected_events", await TablesHoldingAsync(canaries.Email));

        await EraseAsync(LearnerId(stored));

        foreach (var canary in canaries.All)
        {
            Assert.Empty(await TablesHoldingAsync(canary));
        }

        // Batches are immutable: the files of earlier batches are the record of what was submitted.
        Assert.Equal(parsBatch.Manifest.Sha256, Sha256(await fixture.DownloadAsync(parsBatch.Id)));
        Assert.Equal(jointBatch.Manifest.Sha256, Sha256(await fixture.DownloadAsync(jointBatch.Id)));

        var lines = fixture.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Erasure request", StringComparison.Ordinal));
        foreach (var secret in canaries.All.Append(LearnerId(stored)))
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ACompletionStoredAfterTheErasureIsANewRecordAndIsExportedNormally()
    {
        await FlushAsync();
        var (activity, accmeId) = (NewActivity(), NewAccmeId());
        var first = Personal(activity, accmeId);
        await fixture.StoreAsync(first);
        await fixture.CreateAndDownloadAsync(ParsLearners);
        await fixture.CreateAndDownloadAsync(JointProvider);
        await EraseAsync(LearnerId(first));

        // Earlier in event time than the erased completion, and still the current one: erased completions are no longer in the chain.
        var again = Personal(activity, accmeId, e =>
        {
            e["learner"]!["learnerId"] = LearnerId(first);
            e["occurredAt"] = "2026-11-20T08:00:00Z";
            e["assessment"]!["score"] = 91;
        });
        await fixture.StoreAsync(again);

        var (learner, completion, _) = await RowsAsync(again);
        Assert.Equal((Canaries(again).Email, null), ((string?)learner["email"], (string?)learner["erased_at"]));
        Assert.Equal((91m, null, null), ((decimal?)completion["assessment_score"], (string?)completion["erased_at"], (long?)completion["superseded_by"]));
        var (_, erased, _) = await RowsAsync(first);
        Assert.Equal((null, null), ((decimal?)erased["assessment_score"], (long?)erased["superseded_by"]));
        Assert.NotNull(erased["erased_at"]);

        var (_, pars) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(["Delete", "Add"], rows.Select(r => r["Record Action"]));
        Assert.Equal((Canaries(first).LicenseId, Canaries(again).LicenseId), (rows[0]["Licensing ID or NPI"], rows[1]["Licensing ID or NPI"]));

        var (_, joint) = await fixture.CreateAndDownloadAsync(JointProvider);
        Assert.Equal("withdrawn", Assert.Single(joint.Rows, r => r["Record ID"] == EventId(first))["Record Status"]);
        var added = Assert.Single(joint.Rows, r => r["Record ID"] == EventId(again));
        Assert.Equal(("new", "91", Canaries(again).BoardId), (added["Record Status"], added["Quiz Score"], added["Certifying Board ID"]));

        // The new collection can be erased in turn.
        var erasedAgain = await EraseAsync(LearnerId(first));
        Assert.Equal((1, false), (erasedAgain.CompletionsErased, erasedAgain.AlreadyErased));
    }

    public static TheoryData<string, string, string, string> MalformedRequests => new()
    {
        { "", "PRIV-1", "learner_id", "is required" },
        { " padded ", "PRIV-1", "learner_id", "must not begin or end with white space" },
        { new string('x', 129), "PRIV-1", "learner_id", "must be at most 128 characters" },
        { "learner-1", "", "request_reference", "is required" },
        { "learner-1", "   ", "request_reference", "is required" },
        { "learner-1", new string('r', 201), "request_reference", "must be at most 200 characters" },
        { "learner-1", "PRIV\n1", "request_reference", "must not contain control characters" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task AMalformedRequestIsInvalidArgumentNamingTheField(string learnerId, string reference, string field, string reason)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => EraseAsync(learnerId, reference));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal((field, reason), (violation.Field, violation.Description));
    }

    [Fact]
    public async Task AnUnknownLearnerIsNotFoundWithoutEchoingTheIdAndTheRequestIsAuditedUnderItsReference()
    {
        var learnerId = $"learner-nobody-{Guid.NewGuid():N}";
        var reference = $"PRIV-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<RpcException>(() => EraseAsync(learnerId, reference));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain(learnerId, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.erasure_requests WHERE request_reference = @r", ("r", reference)));
        Assert.Equal("not-found tester-privacy-officer", await Database.ScalarAsync<string>(
            "SELECT outcome || ' ' || actor_subject FROM accreditation.audit_events WHERE action = 'learner.erase' AND details->>'request_reference' = @r",
            ("r", reference)));
    }

    private Task<EraseLearnerResponse> EraseAsync(string learnerId, string reference = "PRIV-2026-0001") =>
        fixture.LearnerRights.EraseLearnerAsync(
            new EraseLearnerRequest { LearnerId = learnerId, RequestReference = reference }).ResponseAsync;

    /// <summary>Makes every recipient's pending batch, so the test's own batches hold only its own completions.</summary>
    private async Task FlushAsync()
    {
        foreach (var recipient in new[] { ParsLearners, JointProvider, ParsActivities })
        {
            await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
        }
    }

    /// <summary>The README example with personal data of its own and both permissions given, on the test's activity.</summary>
    private static JsonObject Personal(string activity, string accmeId, Action<JsonObject>? change = null) =>
        Completion(activity, change: e =>
        {
            var token = Guid.NewGuid().ToString("N")[..16];
            e["activity"]!["accmeActivityId"] = accmeId;
            e["learner"]!["email"] = $"canary-{token}@example.org";
            e["learner"]!["npi"] = "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
            e["learner"]!["licenseId"] = $"MN-{token}";
            e["learner"]!["boards"]![0]!["boardId"] = $"B-{token}";
            e["consents"]!["stateBoardReporting"] = true;
            change?.Invoke(e);
        });

    /// <summary>Two MOC awards: PARS takes one board credit type per row, so the completion was sent as two rows.</summary>
    private static void TwoMocAwards(JsonObject e)
    {
        e["activity"]!["designatedCredits"]!["moc"]!.AsArray().Add(new JsonObject { ["board"] = "ABIM", ["creditType"] = "Patient Safety", ["points"] = 4 });
        e["claims"]!.AsArray().Add(new JsonObject { ["creditType"] = "moc", ["amount"] = 2, ["board"] = "ABIM", ["mocCreditType"] = "Patient Safety" });
    }

    private static NewCanaries Canaries(JsonObject e) => new(
        (string)e["learner"]!["email"]!, (string)e["learner"]!["npi"]!, (string)e["learner"]!["licenseId"]!, (string)e["learner"]!["boards"]![0]!["boardId"]!);

    private sealed record NewCanaries(string Email, string Npi, string LicenseId, string BoardId)
    {
        public IEnumerable<string> All => [Email, Npi, LicenseId, BoardId];
    }

    private static string NewAccmeId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private static string Sha256(ExportFile file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.Bytes));

    /// <summary>
    /// Every table of the service but the stored batch files whose rows hold the value, as text or
    /// as UTF-8 bytes (a bytea column reads as hex).
    /// </summary>
    private async Task<List<string>> TablesHoldingAsync(string value)
    {
        var tables = await Database.ColumnAsync<string>(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'accreditation' AND table_type = 'BASE TABLE' AND table_name <> 'export_file_chunks'");
        Assert.Contains("learners", tables);
        var hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value));
        var holding = new List<string>();
        foreach (var table in tables)
        {
            var count = await Database.ScalarAsync<long>(
                $"SELECT count(*) FROM accreditation.\"{table}\" t WHERE strpos(t::text, @value) > 0 OR strpos(t::text, @hex) > 0",
                ("value", value), ("hex", hex));
            if (count > 0)
            {
                holding.Add(table);
            }
        }

        return holding;
    }

    private async Task<(JsonObject Learner, JsonObject Completion, string Awards)> RowsAsync(JsonObject stored)
    {
        var learner = await RowAsync("SELECT row_to_json(l)::text FROM accreditation.learners l WHERE l.learner_id = @id", LearnerId(stored));
        var completion = await RowAsync("SELECT row_to_json(c)::text FROM accreditation.completions c WHERE c.event_id = @id", Guid.Parse(EventId(stored)));
        var awards = await Database.ScalarAsync<string>(
            """
            SELECT json_agg(w ORDER BY w.id)::text FROM accreditation.credit_awards w
            JOIN accreditation.completions c ON c.id = w.completion_id WHERE c.event_id = @id
            """,
            ("id", Guid.Parse(EventId(stored))));
        return (learner, completion, awards);
    }

    private async Task<JsonObject> RowAsync(string sql, object id) =>
        JsonNode.Parse(await Database.ScalarAsync<string>(sql, ("id", id)))!.AsObject();

    private static List<string> Changed(JsonObject before, JsonObject after) =>
        before.Select(p => p.Key).Where(k => !JsonNode.DeepEquals(before[k], after[k])).Order(StringComparer.Ordinal).ToList();

    /// <summary>What every batch did with the completion, per recipient.</summary>
    private async Task<List<string>> LinesAsync(JsonObject stored, bool withReason = false) =>
        (await Database.ColumnAsync<string>(
            $"""
            SELECT x.recipient || ':' || x.action {(withReason ? "|| ':' || coalesce(x.reason, '')" : "")}
            FROM accreditation.export_lines x JOIN accreditation.completions c ON c.id = x.completion_id
            WHERE c.event_id = @id
            """,
            ("id", Guid.Parse(EventId(stored))))).Order(StringComparer.Ordinal).ToList();
}
