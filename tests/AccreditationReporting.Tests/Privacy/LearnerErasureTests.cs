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

    public PrivacyService.PrivacyServiceClient Privacy { get; private set; } = null!;

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
        Privacy = new PrivacyService.PrivacyServiceClient(Service.CreateChannel(StaffRoles.PrivacyOfficer));
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
        var (learnerBefore, profileBefore, completionBefore, awardsBefore) = await RowsAsync(stored);

        var erased = await EraseAsync(learnerId, "PRIV-2026-0042");

        Assert.Equal((1, false, 0), (erased.CompletionsErased, erased.AlreadyErased, erased.RejectedPayloadsDeleted));
        Assert.InRange(erased.ErasedAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var (learner, profile, completion, awards) = await RowsAsync(stored);

        Assert.Equal(["erased_at"], Changed(learnerBefore, learner));
        Assert.Equal(["boards", "erased_at", "license_id", "license_state", "npi"], Changed(profileBefore, profile));
        Assert.All(new[] { "license_id", "license_state", "npi" }, column => Assert.Null(profile[column]));
        Assert.Empty(profile["boards"]!.AsArray());
        Assert.NotNull(profile["erased_at"]);
        Assert.Equal(("Jane", "Doe", 4, 23), ((string?)profile["first_name"], (string?)profile["last_name"], (int?)profile["birth_month"], (int?)profile["birth_day"]));

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
        Assert.Equal((1, false, 0), ((int?)request["completions_erased"], (bool?)request["already_erased"], (int?)request["rejected_payloads_deleted"]));
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
        Assert.Empty(Changed(afterFirst.Profile, afterSecond.Profile));
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

        // PARS does not edit records: it gets a Delete of what it holds, read back from the file it
        // was sent (now its redacted copy: no licence or board ID), and no Add.
        var (parsBatch, pars) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(["Delete", "Delete"], rows.Select(r => r["Record Action"]));
        string[] erasedColumns = ["Licensing State", "Licensing ID or NPI", "Certifying Board ID"];
        Assert.Equal(
            sentRows.Select(r => r.Skip(1).Select(c => erasedColumns.Contains(c.Key) ? "" : c.Value).ToList()),
            rows.Select(r => r.Values.Skip(1).ToList()));
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
            ["accme-pars-activities:Counted", "accme-pars-learners:Add", "accme-pars-learners:Delete", "joint-provider/cme-consultants:Add", "joint-provider/cme-consultants:Delete"],
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

        Assert.Equal(["accme-pars-learners:Excluded:erased", "joint-provider/cme-consultants:Excluded:erased"], await LinesAsync(stored, withReason: true));
    }

    [Fact]
    public async Task AfterErasureNoTableAndNoDownloadHoldsTheErasedValuesAndEachRedactedFileKeepsTheHashOfWhatWasSent()
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

        // The canary finds them before: in the profile, the rejected payload (bytes) and the files.
        // The email never: it is not stored, not even in a kept payload.
        foreach (var canary in canaries.Erased)
        {
            Assert.Contains("learner_profiles", await TablesHoldingAsync(canary));
            Assert.Contains("rejected_events", await TablesHoldingAsync(canary));
        }

        Assert.Empty(await TablesHoldingAsync(canaries.Email));

        var erased = await EraseAsync(LearnerId(stored));

        Assert.Equal(1, erased.RejectedPayloadsDeleted);
        Assert.Equal([parsBatch.Id, jointBatch.Id], erased.BatchesRedacted.Order());
        foreach (var canary in canaries.Erased)
        {
            Assert.Empty(await TablesHoldingAsync(canary));
        }

        foreach (var (batch, sent) in new[] { (parsBatch, parsFile), (jointBatch, jointFile) })
        {
            var now = await fixture.DownloadAsync(batch.Id);
            Assert.All(canaries.Erased, canary => Assert.DoesNotContain(canary, now.Text, StringComparison.Ordinal));
            Assert.Contains("Jane", now.Text, StringComparison.Ordinal);
            Assert.Equal((Sha256(now), (long)now.Bytes.Length), (now.Manifest.Sha256, now.Manifest.ByteLength));
            Assert.Equal(Sha256(sent), now.Manifest.OriginalSha256);
            Assert.NotNull(now.Manifest.RedactedAt);
        }

        var lines = fixture.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Erasure request", StringComparison.Ordinal));
        foreach (var secret in canaries.Erased.Append(LearnerId(stored)))
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

        var (learner, profile, completion, _) = await RowsAsync(again);
        Assert.Equal((Canaries(again).Npi, null, null), ((string?)profile["npi"], (string?)profile["erased_at"], (string?)learner["erased_at"]));
        Assert.Equal((91m, null, null), ((decimal?)completion["assessment_score"], (string?)completion["erased_at"], (long?)completion["superseded_by"]));
        var (_, _, erased, _) = await RowsAsync(first);
        Assert.Equal((null, null), ((decimal?)erased["assessment_score"], (long?)erased["superseded_by"]));
        Assert.NotNull(erased["erased_at"]);

        var (_, pars) = await fixture.CreateAndDownloadAsync(ParsLearners);
        var rows = pars.Rows.Where(r => r["ACCME Activity ID"] == accmeId).ToList();
        Assert.Equal(["Delete", "Add"], rows.Select(r => r["Record Action"]));

        // The Delete is read back from the redacted copy of the file that sent the erased record: it
        // names it by activity, name, birth MM/DD and completion date, no longer by its licence.
        Assert.Equal(("", Canaries(again).LicenseId), (rows[0]["Licensing ID or NPI"], rows[1]["Licensing ID or NPI"]));
        Assert.Equal(("Jane", "04/23"), (rows[0]["First Name"], rows[0]["Date of Birth (MM/DD)"]));

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

    [Theory]
    [InlineData("learner-rights")]
    [InlineData("privacy")]
    public async Task AnUnknownLearnerIsNotFoundWithoutEchoingTheIdAndTheRequestIsAuditedUnderItsReference(string service)
    {
        var learnerId = $"learner-nobody-{Guid.NewGuid():N}";
        var reference = $"PRIV-{Guid.NewGuid():N}";
        var request = new EraseLearnerRequest { LearnerId = learnerId, RequestReference = reference };

        var error = await Assert.ThrowsAsync<RpcException>(() => service == "privacy"
            ? fixture.Privacy.EraseLearnerAsync(request).ResponseAsync
            : fixture.LearnerRights.EraseLearnerAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain(learnerId, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.erasure_requests WHERE request_reference = @r", ("r", reference)));

        // No learner to name: the entry has no target, and its details only the reference.
        Assert.Equal("not-found tester-privacy-officer <none> request_reference", await Database.ScalarAsync<string>(
            """
            SELECT outcome || ' ' || actor_subject || ' ' || coalesce(target, '<none>') || ' ' || (SELECT string_agg(k, ',') FROM jsonb_object_keys(details) k)
            FROM accreditation.audit_events WHERE action = 'learner.erase' AND details->>'request_reference' = @r
            """,
            ("r", reference)));
        Assert.Equal(0L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.audit_events WHERE strpos(details::text || coalesce(target, ''), @id) > 0", ("id", learnerId)));
    }

    [Fact]
    public async Task ALearnerKnownOnlyFromRejectedEventsIsErasedAndNothingLinksTheRejectionsToThemAfter()
    {
        var learnerId = $"learner-{Guid.NewGuid():N}";

        // Under 16 on the completion date: rejected, so no learner is stored, but the payload is kept for replay.
        var underAge = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["birthYear"] = 2015;
        });
        await fixture.Service.Services.GetRequiredService<IBus>().Publish(underAge.ToMessage());
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.rejected_events WHERE event_id = @id AND payload IS NOT NULL", ("id", Guid.Parse(EventId(underAge)))) > 0,
            what: "the under-age event recorded with its payload");
        Assert.Equal("under-age " + learnerId, await Database.ScalarAsync<string>(
            "SELECT rule_code || ' ' || learner_id FROM accreditation.rejected_events WHERE event_id = @id", ("id", Guid.Parse(EventId(underAge)))));
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId)));

        // One recorded before rejections named their learner: found by reading its payload.
        var earlier = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["birthYear"] = 2015;
        });
        var earlierPayload = Encoding.UTF8.GetBytes(earlier.ToJson());
        await Database.ScalarAsync<long>(
            """
            INSERT INTO accreditation.rejected_events (event_id, received_at, last_received_at, times_received, violations, rule_code, field,
                payload, content_type, payload_expires_at, payload_digest, status, replays)
            VALUES (@event, now(), now(), 1, '[{"code":"under-age","field":"learner.birthYear","reason":"is under 16"}]', 'under-age', 'learner.birthYear',
                @payload, 'application/json', now() + interval '30 days', sha256(@payload), 'Open', 0)
            RETURNING id
            """,
            ("event", Guid.Parse(EventId(earlier))), ("payload", earlierPayload));
        var reference = $"PRIV-{Guid.NewGuid():N}";

        var erased = await EraseAsync(learnerId, reference);

        Assert.Equal((0, false, 2), (erased.CompletionsErased, erased.AlreadyErased, erased.RejectedPayloadsDeleted));
        Assert.Empty(erased.BatchesRedacted);
        Assert.Equal(
            ["under-age:Open:no payload:no learner", "under-age:Open:no payload:no learner"],
            await Database.ColumnAsync<string>(
                """
                SELECT rule_code || ':' || status || ':' || CASE WHEN payload IS NULL THEN 'no payload' ELSE 'payload' END
                    || ':' || CASE WHEN learner_id IS NULL THEN 'no learner' ELSE learner_id END
                FROM accreditation.rejected_events WHERE event_id = ANY(@ids)
                """,
                ("ids", new[] { Guid.Parse(EventId(underAge)), Guid.Parse(EventId(earlier)) })));
        Assert.Equal(0L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.rejected_events WHERE learner_id = @id OR strpos(convert_from(payload, 'UTF8'), @id) > 0", ("id", learnerId)));

        var request = await RowAsync(
            "SELECT row_to_json(r)::text FROM accreditation.erasure_requests r WHERE r.request_reference = @id", reference);
        Assert.Equal((null, 0, 2, false), ((long?)request["learner_key"], (int?)request["completions_erased"], (int?)request["rejected_payloads_deleted"], (bool?)request["already_erased"]));
        var entry = await RowAsync(
            "SELECT row_to_json(a)::text FROM accreditation.audit_events a WHERE a.action = 'learner.erase' AND a.details->>'request_reference' = @id",
            reference);
        Assert.Equal(("ok", null), ((string?)entry["outcome"], (string?)entry["target"]));
        Assert.Equal(
            ((string?)request["id"]!.ToString(), "0", "2", ""),
            ((string?)entry["details"]!["erasure_request"], (string?)entry["details"]!["completions_erased"],
                (string?)entry["details"]!["rejected_payloads_deleted"], (string?)entry["details"]!["batches_redacted"]));

        // Nothing about them is left: a second request finds nothing, and is recorded as such.
        var again = await Assert.ThrowsAsync<RpcException>(() => EraseAsync(learnerId, reference + "-2"));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
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
        /// <summary>What the service stores and erasure deletes; the email it never stores.</summary>
        public IEnumerable<string> Erased => [Npi, LicenseId, BoardId];
    }

    private static string NewAccmeId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    private static string Sha256(ExportFile file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.Bytes));

    /// <summary>
    /// Every table of the service whose rows hold the value, as text or as UTF-8 bytes (a bytea
    /// column reads as hex), the stored batch files too.
    /// </summary>
    private async Task<List<string>> TablesHoldingAsync(string value)
    {
        var tables = await Database.ColumnAsync<string>(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'accreditation' AND table_type = 'BASE TABLE'");
        Assert.Contains("export_file_chunks", tables);
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

    private async Task<(JsonObject Learner, JsonObject Profile, JsonObject Completion, string Awards)> RowsAsync(JsonObject stored)
    {
        var learner = await RowAsync("SELECT row_to_json(l)::text FROM accreditation.learners l WHERE l.learner_id = @id", LearnerId(stored));
        var profile = await RowAsync(
            """
            SELECT row_to_json(p)::text FROM accreditation.learner_profiles p
            JOIN accreditation.completions c ON c.learner_key = p.learner_key AND c.policy_version = p.policy_version
            WHERE c.event_id = @id
            """,
            Guid.Parse(EventId(stored)));
        var completion = await RowAsync("SELECT row_to_json(c)::text FROM accreditation.completions c WHERE c.event_id = @id", Guid.Parse(EventId(stored)));
        var awards = await Database.ScalarAsync<string>(
            """
            SELECT json_agg(w ORDER BY w.id)::text FROM accreditation.credit_awards w
            JOIN accreditation.completions c ON c.id = w.completion_id WHERE c.event_id = @id
            """,
            ("id", Guid.Parse(EventId(stored))));
        return (learner, profile, completion, awards);
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
