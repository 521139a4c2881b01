using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>
/// The learner's right of access (GDPR Art. 15), over gRPC with a privacy officer's token: a JSON copy
/// of everything stored about the learner, and every disclosure to a recipient with the fields sent
/// and how the batch left; audited with its hash under the office's reference.
/// </summary>
public sealed class AccessCopyTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const string Mayo = "mayo-cme-2018-06-15";
    private const string Medmastery = "medmastery-2017-06-20";

    private ServiceDatabase Database => fixture.Service.Database;

    private PrivacyService.PrivacyServiceClient Privacy => new(fixture.Service.CreateChannel(StaffRoles.PrivacyOfficer));

    [Fact]
    public async Task TheCopyHoldsEachProfileCompletionAndAwardAndTheRejectedEventsWithoutTheirPayload()
    {
        var first = Completion(NewActivity(), Mayo);
        var learnerId = LearnerId(first);
        var second = Completion(NewActivity(), Medmastery, e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["firstName"] = "Jenny";
            e["learner"]!["lastName"] = "O'Brien-Müller";
            e["learner"]!["npi"] = "1245319599";
            e["occurredAt"] = "2026-11-21T09:00:00Z";
            e["completedOn"] = "2026-11-21";
        });
        await fixture.StoreAsync(first, second);

        // A later event of the learner's that is rejected (a claim above the designation): its
        // payload is kept for replay, and holds a name stored nowhere else.
        var canary = $"Canary{Guid.NewGuid():N}";
        var rejected = Completion(NewActivity(), Mayo, e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["firstName"] = canary;
            e["claims"]![0]!["amount"] = 100;
        });
        await fixture.Service.Services.GetRequiredService<IBus>().Publish(rejected.ToMessage());
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.rejected_events WHERE event_id = @id AND payload IS NOT NULL", ("id", Guid.Parse(EventId(rejected)))) > 0,
            what: "the rejected event recorded with its payload");

        var reference = $"PRIV-ACCESS-{Guid.NewGuid():N}";
        var copy = await Privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = learnerId, RequestReference = reference });

        Assert.Equal("application/json", copy.ContentType);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(copy.Document.ToByteArray())), copy.Sha256);
        Assert.InRange(copy.GeneratedAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var text = copy.Document.ToStringUtf8();
        Assert.DoesNotContain(canary, text, StringComparison.Ordinal);
        var document = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(
            ["layoutVersion", "generatedAt", "requestReference", "learnerId", "learner", "profiles", "completions", "profileRevisions",
             "erasureRequests", "rejectedEvents", "disclosures", "countedIn"],
            document.Select(p => p.Key));
        Assert.Equal((1, reference, learnerId), ((int)document["layoutVersion"]!, (string?)document["requestReference"], (string?)document["learnerId"]));
        Assert.Equal(("physician", "US"), ((string?)document["learner"]!["profession"], (string?)document["learner"]!["country"]));

        // One profile per policy the learner's data was collected under, each as that policy's events described it.
        var profiles = document["profiles"]!.AsArray();
        Assert.Equal([Mayo, Medmastery], profiles.Select(p => (string?)p!["policyVersion"]));
        Assert.Equal(
            ("Jane", "Doe", 4, 23, "1234567893", "MN", "MN-55512", "ABIM", "123456"),
            ((string?)profiles[0]!["firstName"], (string?)profiles[0]!["lastName"], (int)profiles[0]!["birthMonth"]!, (int)profiles[0]!["birthDay"]!,
             (string?)profiles[0]!["npi"], (string?)profiles[0]!["licenseState"], (string?)profiles[0]!["licenseId"],
             (string?)profiles[0]!["boards"]![0]!["board"], (string?)profiles[0]!["boards"]![0]!["boardId"]));
        Assert.Equal(("Jenny", "1245319599"), ((string?)profiles[1]!["firstName"], (string?)profiles[1]!["npi"]));

        // Names as written, not as \u escapes; every timestamp in UTC.
        Assert.Contains("\"lastName\": \"O'Brien-Müller\"", text, StringComparison.Ordinal);
        Assert.Equal("2026-11-20T15:04:05Z", (string?)document["completions"]![0]!["occurredAt"]);

        var completions = document["completions"]!.AsArray();
        Assert.Equal([EventId(first), EventId(second)], completions.Select(c => (string?)c!["eventId"]));
        var completion = completions[0]!;
        Assert.Equal(
            ((string?)first["activity"]!["activityId"], "ECG Basics", "enduring-material", "2026-11-20", Mayo, 86m, true, true, false, true),
            ((string?)completion["activity"]!["activityId"], (string?)completion["activity"]!["title"], (string?)completion["activity"]!["format"],
             (string?)completion["completedOn"], (string?)completion["policyVersion"], (decimal?)completion["assessmentScore"],
             (bool)completion["evaluationCompleted"]!, (bool)completion["consents"]!["boardReporting"]!, (bool)completion["consents"]!["stateBoardReporting"]!,
             (bool)completion["current"]!));
        Assert.Equal(
            ["ama-pra-category-1||7.75|7.75", "moc|ABIM|7.75|7.75"],
            completion["creditAwards"]!.AsArray().Select(a => FormattableString.Invariant(
                $"{(string?)a!["creditType"]}|{(string?)a["board"]}|{(decimal?)a["claimed"]}|{(decimal?)a["awarded"]}")));

        var rejection = Assert.Single(document["rejectedEvents"]!.AsArray())!;
        Assert.Equal(
            (EventId(rejected), "open", true, "exceeds-designation", "claims[0].amount"),
            ((string?)rejection["eventId"], (string?)rejection["status"], (bool)rejection["payloadKept"]!,
             (string?)rejection["violations"]![0]!["code"], (string?)rejection["violations"]![0]!["field"]));
        Assert.Null(rejection["payload"]);
        Assert.Empty(document["disclosures"]!.AsArray());

        var key = await LearnerKeyAsync(learnerId);
        Assert.Equal(
            $"ok learner:{key} {copy.Sha256} tester-privacy-officer",
            await Database.ScalarAsync<string>(
                "SELECT outcome || ' ' || target || ' ' || sha256 || ' ' || actor_subject FROM accreditation.audit_events WHERE action = 'learner.access-copy' AND details->>'request_reference' = @r",
                ("r", reference)));
    }

    [Fact]
    public async Task AParsDisclosureNamesTheRecipientBatchFieldsSentDownloadAndSubmission()
    {
        // Every pending batch first, so the test's own hold only its completion.
        foreach (var recipient in new[] { "accme-pars-learners", "accme-pars-activities" })
        {
            await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
        }

        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var stored = Completion(NewActivity(), Mayo, e =>
        {
            e["activity"]!["accmeActivityId"] = accmeId;
            e["consents"]!["stateBoardReporting"] = true;
        });
        await fixture.StoreAsync(stored);
        var (batch, file) = await fixture.CreateAndDownloadAsync("accme-pars-learners");
        var compliance = new ExportService.ExportServiceClient(fixture.Service.CreateChannel(StaffRoles.Compliance));
        await compliance.RecordSubmissionAsync(new RecordSubmissionRequest
        {
            BatchId = batch.Id, SubmittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Method = "PARS batch upload",
            Outcome = SubmissionOutcome.Accepted,
        });
        var (counted, _) = await fixture.CreateAndDownloadAsync("accme-pars-activities");

        var document = await CopyAsync(LearnerId(stored));

        var disclosure = Assert.Single(document["disclosures"]!.AsArray())!;
        Assert.Equal(
            ("accme-pars-learners", batch.Id, batch.Manifest.FileName, EventId(stored), "add", 1, "kept"),
            ((string?)disclosure["recipient"], (long)disclosure["batchId"]!, (string?)disclosure["fileName"], (string?)disclosure["eventId"],
             (string?)disclosure["action"], (int)disclosure["rows"]!, (string?)disclosure["file"]));
        Assert.Equal(batch.CreatedAt.ToDateTimeOffset(), DateTimeOffset.Parse((string)disclosure["batchCreatedAt"]!, CultureInfo.InvariantCulture));

        // The fields are those with a value in the row the file holds, named as the file's columns.
        var columns = disclosure["fileColumns"]!.AsArray().Select(c => (string)c!).ToList();
        var row = Assert.Single(file.Rows, r => r["ACCME Activity ID"] == accmeId);
        var expected = file.Headers.Select((header, i) => (header, i)).Where(h => row[h.header].Length > 0).Select(h => columns[h.i]).ToList();
        var sent = disclosure["fieldsSent"]!.AsArray().Select(f => (string)f!).ToList();
        Assert.Equal(expected, sent);
        Assert.All(new[] { "first-name", "last-name", "birth-month-day", "licensing-id-or-npi" }, field => Assert.Contains(field, sent));

        var download = Assert.Single(disclosure["downloads"]!.AsArray())!;
        var (at, by) = await DownloadAsync(batch.Id);
        Assert.Equal((at, by), (DateTimeOffset.Parse((string)download["at"]!, CultureInfo.InvariantCulture), (string?)download["by"]));
        var submission = Assert.Single(disclosure["submissions"]!.AsArray())!;
        Assert.Equal(("PARS batch upload", "accepted"), ((string?)submission["method"], (string?)submission["outcome"]));
        Assert.Null(disclosure["delivery"]);

        // Counted in a counts-only file: said, as a count, and not as a disclosure.
        Assert.Equal(
            ["accme-pars-activities 1 1"],
            document["countedIn"]!.AsArray().Select(c => $"{(string?)c!["recipient"]} {(int)c["completions"]!} {(int)c["batches"]!}"));
        Assert.True(counted.Id > batch.Id);
    }

    [Fact]
    public async Task FieldsAreReadBackFromTheStoredFileAndARedactedOrPurgedFileIsSaidSo()
    {
        var stored = Completion(NewActivity(), Mayo);
        await fixture.StoreAsync(stored);
        var eventId = EventId(stored);

        // Batches as a learner-level export writes them: the file in chunks, the ledger's lines
        // pointing at its rows (1-based after the header), on a recipient of the test's own.
        var recipient = $"joint-provider/access-copy-{Guid.NewGuid():N}";
        string[] fields = ["record-id", "record-status", "first-name", "last-name", "completion-date", "credits-claimed", "quiz-score", "birth-month-day"];
        var sentBatch = await SeedBatchAsync(recipient, fields, eventId, ExportLineAction.Add, firstLine: 2,
            "another-record,new,Max,Other,2026-11-01,1.00,90,01/02",
            $"{eventId},new,Jane,Doe,2026-11-20,7.75,,04/23",
            "a-third-record,new,Ann,Third,2026-11-02,2.00,95,");
        var withdrawnBatch = await SeedBatchAsync(recipient, fields, eventId, ExportLineAction.Delete, firstLine: 1, $"{eventId},withdrawn,,,,,,");
        var purgedBatch = await SeedBatchAsync(recipient, fields, eventId, ExportLineAction.Add, firstLine: 1, $"{eventId},new,Jane,Doe,2026-11-20,7.75,86,04/23");
        await ExecuteAsync("UPDATE accreditation.export_batches SET redacted_at = now() WHERE id = @id", withdrawnBatch);
        await ExecuteAsync("DELETE FROM accreditation.export_file_chunks WHERE batch_id = @id", purgedBatch);
        await ExecuteAsync("UPDATE accreditation.export_batches SET file_purged_at = now() WHERE id = @id", purgedBatch);

        await fixture.DownloadAsync(sentBatch);
        var compliance = new ExportService.ExportServiceClient(fixture.Service.CreateChannel(StaffRoles.Compliance));
        await compliance.RecordSubmissionAsync(new RecordSubmissionRequest
        {
            BatchId = sentBatch, SubmittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Method = "email to the joint provider",
            Outcome = SubmissionOutcome.AcceptedWithErrors,
        });

        var document = await CopyAsync(LearnerId(stored));

        var disclosures = document["disclosures"]!.AsArray();
        Assert.Equal(
            [$"{sentBatch} add kept", $"{withdrawnBatch} delete redacted", $"{purgedBatch} add purged"],
            disclosures.Select(d => $"{(long)d!["batchId"]!} {(string?)d["action"]} {(string?)d["file"]}"));
        Assert.All(disclosures, d => Assert.Equal((recipient, eventId, fields.Length), ((string?)d!["recipient"], (string?)d["eventId"], d["fileColumns"]!.AsArray().Count)));

        // Only the learner's row, and only the cells that held something: no quiz score was sent.
        Assert.Equal(
            ["record-id", "record-status", "first-name", "last-name", "completion-date", "credits-claimed", "birth-month-day"],
            disclosures[0]!["fieldsSent"]!.AsArray().Select(f => (string?)f));
        Assert.Equal(["record-id", "record-status"], disclosures[1]!["fieldsSent"]!.AsArray().Select(f => (string?)f));
        Assert.Null(disclosures[2]!["fieldsSent"]);

        var (at, by) = await DownloadAsync(sentBatch);
        var download = Assert.Single(disclosures[0]!["downloads"]!.AsArray())!;
        Assert.Equal((at, by), (DateTimeOffset.Parse((string)download["at"]!, CultureInfo.InvariantCulture), (string?)download["by"]));
        var submission = Assert.Single(disclosures[0]!["submissions"]!.AsArray())!;
        Assert.Equal(
            ("email to the joint provider", "accepted-with-errors", "Tester (compliance) (tester-compliance)"),
            ((string?)submission["method"], (string?)submission["outcome"], (string?)submission["submittedBy"]));
        Assert.Empty(disclosures[1]!["downloads"]!.AsArray());
        Assert.Empty(document["countedIn"]!.AsArray());
    }

    [Fact]
    public async Task AfterAnErasureTheCopyShowsTheRequestAndWhatWasKept()
    {
        var stored = Completion(NewActivity(), Mayo);
        await fixture.StoreAsync(stored);
        await Privacy.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = LearnerId(stored), RequestReference = "PRIV-ERASE-7" });

        var document = await CopyAsync(LearnerId(stored));

        var request = Assert.Single(document["erasureRequests"]!.AsArray())!;
        Assert.Equal(("PRIV-ERASE-7", 1, false), ((string?)request["requestReference"], (int)request["completionsErased"]!, (bool)request["alreadyErased"]!));
        Assert.Contains("Art. 17(3)(b)", (string?)request["legalBasis"], StringComparison.Ordinal);
        var profile = Assert.Single(document["profiles"]!.AsArray())!;
        Assert.Equal(("Jane", null, null), ((string?)profile["firstName"], (string?)profile["npi"], (string?)profile["licenseId"]));
        Assert.NotNull(profile["erasedAt"]);
        var completion = Assert.Single(document["completions"]!.AsArray())!;
        Assert.Null(completion["assessmentScore"]);
        Assert.NotNull(completion["erasedAt"]);
        Assert.Equal(2, completion["creditAwards"]!.AsArray().Count);
    }

    [Fact]
    public async Task ALearnerKnownOnlyByARejectedEventGetsACopyOfThatRejection()
    {
        var rejected = Completion(NewActivity(), Mayo, e => e["claims"]![0]!["amount"] = 100);
        await fixture.Service.Services.GetRequiredService<IBus>().Publish(rejected.ToMessage());
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.rejected_events WHERE event_id = @id", ("id", Guid.Parse(EventId(rejected)))) > 0,
            what: "the rejected event recorded");
        var reference = $"PRIV-{Guid.NewGuid():N}";

        var document = await CopyAsync(LearnerId(rejected), reference);

        Assert.Null(document["learner"]);
        Assert.Empty(document["profiles"]!.AsArray());
        Assert.Equal(EventId(rejected), (string?)Assert.Single(document["rejectedEvents"]!.AsArray())!["eventId"]);
        Assert.Equal("ok -", await Database.ScalarAsync<string>(
            "SELECT outcome || ' ' || coalesce(target, '-') FROM accreditation.audit_events WHERE action = 'learner.access-copy' AND details->>'request_reference' = @r",
            ("r", reference)));
    }

    [Fact]
    public async Task AnUnknownLearnerIsNotFoundAndTheRequestIsAuditedUnderItsReference()
    {
        var learnerId = $"learner-nobody-{Guid.NewGuid():N}";
        var reference = $"PRIV-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = learnerId, RequestReference = reference }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain(learnerId, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("not-found tester-privacy-officer", await Database.ScalarAsync<string>(
            "SELECT outcome || ' ' || actor_subject FROM accreditation.audit_events WHERE action = 'learner.access-copy' AND details->>'request_reference' = @r",
            ("r", reference)));
    }

    [Fact]
    public async Task OnlyThePrivacyOfficeMayAskForACopy()
    {
        var stored = Completion(NewActivity(), Mayo);
        await fixture.StoreAsync(stored);
        var request = new GetAccessCopyRequest { LearnerId = LearnerId(stored), RequestReference = "PRIV-1" };

        foreach (var role in StaffRoles.All.Where(r => r != StaffRoles.PrivacyOfficer))
        {
            var client = new PrivacyService.PrivacyServiceClient(fixture.Service.CreateChannel(role));
            var error = await Assert.ThrowsAsync<RpcException>(() => client.GetAccessCopyAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        }

        Assert.NotEmpty((await Privacy.GetAccessCopyAsync(request)).Document);
    }

    [Theory]
    [InlineData("", "request_reference", "is required")]
    [InlineData("  ", "request_reference", "is required")]
    [InlineData("PRIV\t1", "request_reference", "must not contain control characters")]
    public async Task ACopyWithoutTheOfficesReferenceIsRefusedNamingTheField(string reference, string field, string reason)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = "learner-1", RequestReference = reference }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal((field, reason), (violation.Field, violation.Description));
    }

    private async Task<JsonObject> CopyAsync(string learnerId, string reference = "PRIV-ACCESS-1")
    {
        var copy = await Privacy.GetAccessCopyAsync(new GetAccessCopyRequest { LearnerId = learnerId, RequestReference = reference });
        return JsonNode.Parse(copy.Document.ToStringUtf8())!.AsObject();
    }

    private Task<long> LearnerKeyAsync(string learnerId) =>
        Database.ScalarAsync<long>("SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId));

    /// <summary>The completed download of the batch as the audit trail recorded it: when, and the caller's name.</summary>
    private async Task<(DateTimeOffset At, string By)> DownloadAsync(long batchId)
    {
        var entry = await Database.ScalarAsync<string>(
            "SELECT row_to_json(e)::text FROM accreditation.audit_events e WHERE action = 'batch.download' AND outcome = 'completed' AND target = @t",
            ("t", $"batch:{batchId}"));
        var json = JsonNode.Parse(entry)!;
        return (DateTimeOffset.Parse((string)json["at"]!, CultureInfo.InvariantCulture), (string)json["actor_name"]!);
    }

    private enum ExportLineAction
    {
        Add,
        Delete,
    }

    private async Task<long> SeedBatchAsync(string recipient, string[] fields, string eventId, ExportLineAction action, int firstLine, params string[] rows)
    {
        var file = Encoding.UTF8.GetBytes(string.Concat(new[] { string.Join(",", fields) }.Concat(rows).Select(r => r + "\r\n")));
        var fieldsJson = new JsonArray(fields.Select(f => (JsonNode?)f).ToArray()).ToJsonString();
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            WITH batch AS (
                INSERT INTO accreditation.export_batches (recipient, created_at, cutoff, trigger, file_name, content_type, fields, headers,
                    row_count, byte_length, sha256, included, corrections, exclusions, delivery_status, delivery_attempts)
                VALUES (@recipient, now(), now(), 'on-demand', 'seeded.csv', 'text/csv', @fields::jsonb, @fields::jsonb,
                    @rows, @bytes, @sha, 0, 0, '[]', 'NotConfigured', 0)
                RETURNING id),
            chunk AS (INSERT INTO accreditation.export_file_chunks (batch_id, chunk_no, data) SELECT id, 0, @file FROM batch),
            line AS (
                INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, first_line, line_count)
                SELECT @recipient, c.id, @action, b.id, @first, 1 FROM accreditation.completions c, batch b WHERE c.event_id = @event)
            SELECT id FROM batch
            """,
            connection);
        command.Parameters.AddWithValue("recipient", recipient);
        command.Parameters.AddWithValue("fields", fieldsJson);
        command.Parameters.AddWithValue("rows", rows.Length);
        command.Parameters.AddWithValue("bytes", (long)file.Length);
        command.Parameters.AddWithValue("sha", Convert.ToHexStringLower(SHA256.HashData(file)));
        command.Parameters.AddWithValue("file", file);
        command.Parameters.AddWithValue("action", action.ToString());
        command.Parameters.AddWithValue("first", firstLine);
        command.Parameters.AddWithValue("event", Guid.Parse(eventId));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, long batchId)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", batchId);
        await command.ExecuteNonQueryAsync();
    }
}
