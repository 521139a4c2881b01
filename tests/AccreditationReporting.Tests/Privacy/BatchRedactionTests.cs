using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using AccreditationReporting.Tests.Fixtures;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>
/// After an erasure no download returns the erased values: every earlier file holding the learner's
/// rows is replaced by a copy with those rows' licence, NPI, board ID and quiz score emptied, every
/// other byte as it was, and the manifest keeps the SHA-256 of the file as sent. The batches are
/// put in as the owner (a file in the recipient's own dialect and the export lines saying which rows
/// are whose), so what is tested is the redaction, whatever chooses the rows of a batch.
/// </summary>
public sealed class BatchRedactionTests(LearnerRightsFixture fixture) : IClassFixture<LearnerRightsFixture>
{
    /// <summary>Rows of other learners around the erased ones: the file spans several 1 MiB chunks.</summary>
    private const int Filler = 12_000;

    private ServiceDatabase Database => fixture.Service.Database;

    private ExportCatalog Catalog => CatalogOf(fixture.Service);

    private static ExportCatalog CatalogOf(ReportingService service) => service.Services.GetRequiredService<ExportCatalog>();

    [Fact]
    public async Task AnErasedLearnersIdentifiersLeaveEveryEarlierFileOtherRowsStayByteForByteAndTheSentHashIsKept()
    {
        var erased = await StoreAsync(fixture, "Jane", "Doe");
        var other = await StoreAsync(fixture, "Ann \"Nan\"", "-Ortiz, Jr.");

        var pars = Catalog.Find(Recipients.ParsLearners)!.Format;
        var joint = Catalog.Exports.Values.Single(e => e.IsLearnerLevel && e.Format.Fields.Contains("quiz-score")).Format;

        // PARS got the erased learner's completion as two rows (two MOC boards), between thousands of others.
        var parsRows = Fillers(pars, Filler)
            .Append(ParsRow(erased, "ABIM")).Append(ParsRow(erased, "ABP")).Append(ParsRow(other, "ABIM"))
            .Concat(Fillers(pars, Filler)).ToList();
        var parsSent = Write(pars, parsRows);
        var parsBatch = await InsertBatchAsync(Database, pars, parsSent, parsRows.Count,
            (erased.CompletionId, Filler + 1, 2), (other.CompletionId, Filler + 3, 1));

        var jointRows = new List<string[]> { JointRow(joint, other), JointRow(joint, erased) };
        var jointSent = Write(joint, jointRows);
        var jointBatch = await InsertBatchAsync(Database, joint, jointSent, jointRows.Count, (other.CompletionId, 1, 1), (erased.CompletionId, 2, 1));

        // A file that never held the learner stays as it is.
        var untouchedRows = new List<string[]> { ParsRow(other, "ABIM") };
        var untouchedSent = Write(pars, untouchedRows);
        var untouchedBatch = await InsertBatchAsync(Database, pars, untouchedSent, 1, (other.CompletionId, 1, 1));

        var erasure = await fixture.LearnerRights.EraseLearnerAsync(
            new EraseLearnerRequest { LearnerId = erased.LearnerId, RequestReference = "PRIV-REDACT-1" });

        Assert.Equal(new[] { parsBatch, jointBatch }, erasure.BatchesRedacted);
        var parsNow = await fixture.DownloadAsync(parsBatch);
        var jointNow = await fixture.DownloadAsync(jointBatch);
        foreach (var (now, sent) in new[] { (parsNow, parsSent), (jointNow, jointSent) })
        {
            Assert.Equal((Sha256(now.Bytes), (long)now.Bytes.Length), (now.Manifest.Sha256, now.Manifest.ByteLength));
            Assert.Equal(Sha256(sent), now.Manifest.OriginalSha256);
            Assert.Equal(erasure.ErasedAt, now.Manifest.RedactedAt);
            Assert.All(erased.Identifiers, value => Assert.DoesNotContain(value, now.Text, StringComparison.Ordinal));
            Assert.Contains(other.BoardId, now.Text, StringComparison.Ordinal);
        }

        Assert.True(parsSent.Length > 2 * BatchFiles.ChunkSize, "the PARS file spans three chunks");
        AssertRedacted(parsSent, parsNow.Bytes, [Filler + 1, Filler + 2], ["Licensing State", "Licensing ID or NPI", "Certifying Board ID"]);
        AssertRedacted(jointSent, jointNow.Bytes, [2], ["Quiz Score", "Licensing State", "Licensing ID or NPI", "Certifying Board", "Certifying Board ID"]);

        var untouched = await fixture.DownloadAsync(untouchedBatch);
        Assert.Equal(untouchedSent, untouched.Bytes);
        Assert.Equal((Sha256(untouchedSent), "", null), (untouched.Manifest.Sha256, untouched.Manifest.OriginalSha256, untouched.Manifest.RedactedAt));

        // The trail names the batches, never a value; a download of the copy records the copy's hash.
        Assert.Equal($"{parsBatch},{jointBatch}", await Database.ScalarAsync<string>(
            "SELECT details->>'batches_redacted' FROM accreditation.audit_events WHERE action = 'learner.erase' AND details->>'request_reference' = 'PRIV-REDACT-1'"));
        Assert.Equal(parsNow.Manifest.Sha256, await Database.ScalarAsync<string>(
            "SELECT sha256 FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @target AND outcome = 'completed' ORDER BY id DESC LIMIT 1",
            ("target", $"batch:{parsBatch}")));
        foreach (var value in erased.Identifiers)
        {
            Assert.Equal(0L, await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.audit_events a WHERE strpos(a::text, @value) > 0", ("value", value)));
        }

        // A second learner's erasure redacts the copy again; the hash of the file as sent stays the first one.
        await fixture.LearnerRights.EraseLearnerAsync(new EraseLearnerRequest { LearnerId = other.LearnerId, RequestReference = "PRIV-REDACT-2" });

        var parsAgain = await fixture.DownloadAsync(parsBatch);
        Assert.Equal(Sha256(parsSent), parsAgain.Manifest.OriginalSha256);
        Assert.NotEqual(parsNow.Manifest.Sha256, parsAgain.Manifest.Sha256);
        Assert.All(erased.Identifiers.Concat(other.Identifiers), value => Assert.DoesNotContain(value, parsAgain.Text, StringComparison.Ordinal));
        AssertRedacted(parsSent, parsAgain.Bytes, [Filler + 1, Filler + 2, Filler + 3], ["Licensing State", "Licensing ID or NPI", "Certifying Board ID"]);
        Assert.Equal(("Ann \"Nan\"", "'-Ortiz, Jr."), (parsAgain.Rows[Filler + 2]["First Name"], parsAgain.Rows[Filler + 2]["Last Name"]));
    }

    [Fact]
    public async Task AFileWhoseRowsHeldNoneOfTheErasedValuesKeepsItsManifest()
    {
        var learner = await StoreAsync(fixture, "Jo", "Roe");
        var pars = Catalog.Find(Recipients.ParsLearners)!.Format;

        // A row sent without licence or board (no permission for them): nothing to redact.
        var row = ParsRow(learner, "ABIM");
        foreach (var field in new[] { "licensing-state", "licensing-id-or-npi", "certifying-board-id" })
        {
            row[pars.Fields.ToList().IndexOf(field)] = "";
        }

        var sent = Write(pars, [row]);
        var batch = await InsertBatchAsync(Database, pars, sent, 1, (learner.CompletionId, 1, 1));

        var erasure = await fixture.LearnerRights.EraseLearnerAsync(
            new EraseLearnerRequest { LearnerId = learner.LearnerId, RequestReference = "PRIV-REDACT-3" });

        Assert.Empty(erasure.BatchesRedacted);
        var now = await fixture.DownloadAsync(batch);
        Assert.Equal(sent, now.Bytes);
        Assert.Equal((Sha256(sent), "", null), (now.Manifest.Sha256, now.Manifest.OriginalSha256, now.Manifest.RedactedAt));
    }

    [Fact]
    public async Task ABatchRedactedBetweenPushAttemptsIsPushedAsTheCopyUnderTheSameIdempotencyKey()
    {
        const string recipient = Recipients.ParsLearners;
        // The first attempt is answered (503) only once the learner is erased, so the second, 3 s after
        // that answer, cannot read the file from before the erasure however slow the erasure is.
        var erased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var endpoint = await RecipientEndpoint.StartAsync(async (attempt, aborted) =>
        {
            if (attempt == 1)
            {
                await erased.Task.WaitAsync(aborted);
                return new RecipientEndpoint.Answer(503);
            }

            return new RecipientEndpoint.Answer(200);
        });
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?>
        {
            [$"Exports:Delivery:{recipient}:Endpoint"] = endpoint.Url.ToString(),
            [$"Exports:Delivery:{recipient}:FirstRetryDelay"] = "00:00:03",
            [$"Exports:Delivery:{recipient}:PollInterval"] = "00:00:00.2",
        });
        var exports = new AccreditationReporting.Tests.Exports.ExportServiceFixtureOver(service);
        var learner = await StoreAsync(exports, "Jane", "Doe");
        var pars = CatalogOf(service).Find(recipient)!.Format;
        var sent = Write(pars, [ParsRow(pars, learner, "ABIM")]);
        var batch = await InsertBatchAsync(service.Database, pars, sent, 1, nameof(DeliveryStatus.Pending), (learner.CompletionId, 1, 1));
        await Eventually.TrueAsync(() => Task.FromResult(endpoint.Received.Count == 1), what: "the first push attempt");

        // Erased while the first attempt waits for its answer.
        var erasure = await new LearnerRightsService.LearnerRightsServiceClient(service.CreateChannel(StaffRoles.PrivacyOfficer))
            .EraseLearnerAsync(new EraseLearnerRequest { LearnerId = learner.LearnerId, RequestReference = "PRIV-REDACT-PUSH" });

        erased.SetResult();

        Assert.Equal(new[] { batch }, erasure.BatchesRedacted);
        await Eventually.TrueAsync(
            async () => (await exports.Exports.GetBatchAsync(new GetBatchRequest { BatchId = batch })).Delivery.Status == "Delivered",
            what: "the batch delivered");
        var copy = await exports.DownloadAsync(batch);
        var received = endpoint.Received;
        Assert.Equal(2, received.Count);
        Assert.Equal(sent, received[0].Body);
        Assert.Equal(copy.Bytes, received[1].Body);
        Assert.All(learner.Identifiers, value => Assert.DoesNotContain(value, Encoding.UTF8.GetString(received[1].Body), StringComparison.Ordinal));
        Assert.Equal(received[0].Headers["Idempotency-Key"], received[1].Headers["Idempotency-Key"]);
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(copy.Bytes))}:", received[1].Headers["Content-Digest"]);

        // Each attempt's audit entry names the file it carried.
        Assert.Equal(
            [$"failed {Sha256(sent)}", $"ok {copy.Manifest.Sha256}"],
            await service.Database.ColumnAsync<string>(
                "SELECT outcome || ' ' || sha256 FROM accreditation.audit_events WHERE action = 'delivery.push' AND target = @target ORDER BY id",
                ("target", $"batch:{batch}")));
    }

    private sealed record StoredLearner(string LearnerId, long CompletionId, string FirstName, string LastName, string Npi, string LicenseId, string BoardId)
    {
        public IEnumerable<string> Identifiers => [Npi, LicenseId, BoardId];
    }

    /// <summary>A physician with an NPI, a licence and a board ID who gave both permissions, stored through ingestion.</summary>
    private static async Task<StoredLearner> StoreAsync(ExportServiceFixture exports, string firstName, string lastName)
    {
        var token = Guid.NewGuid().ToString("N")[..16];
        var npi = "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var stored = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["firstName"] = firstName;
            e["learner"]!["lastName"] = lastName;
            e["learner"]!["npi"] = npi;
            e["learner"]!["licenseId"] = $"MN-{token}";
            e["learner"]!["boards"]![0]!["boardId"] = $"B-{token}";
            e["consents"]!["stateBoardReporting"] = true;
        });
        await exports.StoreAsync(stored);
        var completionId = await exports.Service.Database.ScalarAsync<long>(
            "SELECT id FROM accreditation.completions WHERE event_id = @id", ("id", Guid.Parse(EventId(stored))));
        return new StoredLearner(LearnerId(stored), completionId, firstName, lastName, npi, $"MN-{token}", $"B-{token}");
    }

    private string[] ParsRow(StoredLearner learner, string board) => ParsRow(Catalog.Find(Recipients.ParsLearners)!.Format, learner, board);

    private static string[] ParsRow(RecipientFormat format, StoredLearner learner, string board) => Values(format, new Dictionary<string, string>
    {
        ["record-action"] = "Add", ["accme-activity-id"] = "202600123", ["completion-date"] = "11/20/2026",
        ["first-name"] = learner.FirstName, ["last-name"] = learner.LastName, ["birth-month-day"] = "04/23",
        ["licensing-state"] = "MN", ["licensing-id-or-npi"] = learner.LicenseId, ["cme-credits"] = "7.75",
        ["certifying-board"] = board, ["certifying-board-id"] = learner.BoardId, ["total-board-credits"] = "7.75",
        ["moc-credit-type"] = "Medical Knowledge", ["moc-credits"] = "7.75",
    });

    private static string[] JointRow(RecipientFormat format, StoredLearner learner) => Values(format, new Dictionary<string, string>
    {
        ["record-id"] = Guid.NewGuid().ToString(), ["record-status"] = "new", ["first-name"] = learner.FirstName,
        ["last-name"] = learner.LastName, ["activity-id"] = "ecg-basics-2026", ["activity-title"] = "ECG Basics",
        ["completion-date"] = "2026-11-20", ["credits-claimed"] = "7.75", ["assessment-passed"] = "Y", ["quiz-score"] = "86",
        ["evaluation-completed"] = "Y", ["birth-month-day"] = "04/23", ["licensing-state"] = "MN",
        ["licensing-id-or-npi"] = learner.Npi, ["certifying-board"] = "ABIM", ["certifying-board-id"] = learner.BoardId,
    });

    private static IEnumerable<string[]> Fillers(RecipientFormat format, int count) =>
        Enumerable.Range(0, count).Select(i => Values(format, format.Fields.ToDictionary(f => f, f => $"{f[..3]}-{i}")));

    private static string[] Values(RecipientFormat format, Dictionary<string, string> values) =>
        format.Fields.Select(f => values.GetValueOrDefault(f, "")).ToArray();

    /// <summary>The file as a batch writes it: the recipient's dialect, header first.</summary>
    private static byte[] Write(RecipientFormat format, List<string[]> rows)
    {
        var bytes = new MemoryStream();
        using (var csv = CsvWriter.Create(bytes, BatchWriter.WriterOptions(format), leaveOpen: true))
        {
            csv.WriteHeader(format.Columns.Select(c => c.Header).ToArray());
            foreach (var row in rows)
            {
                csv.WriteRecord(row);
            }
        }

        return bytes.ToArray();
    }

    /// <summary>A batch with its file in 1 MiB chunks and an Add line per completion naming its rows.</summary>
    private static Task<long> InsertBatchAsync(
        ServiceDatabase database, RecipientFormat format, byte[] file, int rows, params (long Completion, int FirstLine, int LineCount)[] lines) =>
        InsertBatchAsync(database, format, file, rows, nameof(DeliveryStatus.NotConfigured), lines);

    private static async Task<long> InsertBatchAsync(
        ServiceDatabase database, RecipientFormat format, byte[] file, int rows, string deliveryStatus,
        params (long Completion, int FirstLine, int LineCount)[] lines)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        long batchId;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO accreditation.export_batches (recipient, created_at, cutoff, trigger, file_name, content_type, fields, headers,
                row_count, byte_length, sha256, included, corrections, exclusions, delivery_status, delivery_attempts)
            VALUES (@recipient, now(), now(), 'on-demand', @file_name, @content_type, @fields::jsonb, @headers::jsonb,
                @rows, @length, @sha256, @included, 0, '[]', @delivery_status, 0)
            RETURNING id
            """,
            connection))
        {
            insert.Parameters.AddWithValue("recipient", format.Id);
            insert.Parameters.AddWithValue("file_name", $"{format.Id}-redaction-test.{format.FileExtension}");
            insert.Parameters.AddWithValue("content_type", format.ContentType);
            insert.Parameters.AddWithValue("fields", JsonSerializer.Serialize(format.Fields));
            insert.Parameters.AddWithValue("headers", JsonSerializer.Serialize(format.Columns.Select(c => c.Header)));
            insert.Parameters.AddWithValue("rows", rows);
            insert.Parameters.AddWithValue("length", (long)file.Length);
            insert.Parameters.AddWithValue("sha256", Sha256(file));
            insert.Parameters.AddWithValue("included", lines.Length);
            insert.Parameters.AddWithValue("delivery_status", deliveryStatus);
            batchId = (long)(await insert.ExecuteScalarAsync())!;
        }

        for (var n = 0; n * BatchFiles.ChunkSize < file.Length; n++)
        {
            await using var chunk = new NpgsqlCommand(
                "INSERT INTO accreditation.export_file_chunks (batch_id, chunk_no, data) VALUES (@batch, @n, @data)", connection);
            chunk.Parameters.AddWithValue("batch", batchId);
            chunk.Parameters.AddWithValue("n", n);
            chunk.Parameters.AddWithValue("data", file[(n * BatchFiles.ChunkSize)..Math.Min(file.Length, (n + 1) * BatchFiles.ChunkSize)]);
            await chunk.ExecuteNonQueryAsync();
        }

        foreach (var (completion, firstLine, lineCount) in lines)
        {
            await using var line = new NpgsqlCommand(
                """
                INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, first_line, line_count)
                VALUES (@recipient, @completion, @action, @batch, @first, @count)
                """,
                connection);
            line.Parameters.AddWithValue("recipient", format.Id);
            line.Parameters.AddWithValue("completion", completion);
            line.Parameters.AddWithValue("action", ExportLine.Add);
            line.Parameters.AddWithValue("batch", batchId);
            line.Parameters.AddWithValue("first", firstLine);
            line.Parameters.AddWithValue("count", lineCount);
            await line.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return batchId;
    }

    /// <summary>
    /// The copy is the sent file but for the named rows (1-based, after the header), whose named
    /// columns are empty and whose other cells are as sent.
    /// </summary>
    private static void AssertRedacted(byte[] sent, byte[] copy, int[] rows, string[] columns)
    {
        var sentLines = Encoding.UTF8.GetString(sent).Split("\r\n");
        var copyLines = Encoding.UTF8.GetString(copy).Split("\r\n");
        Assert.Equal(sentLines.Length, copyLines.Length);
        var changed = Enumerable.Range(0, sentLines.Length).Where(i => sentLines[i] != copyLines[i]).ToList();
        Assert.Equal(rows, changed);

        var separator = sentLines[0].Contains('\t') ? "\t" : ",";
        var sentRows = Parse(sent, separator);
        var copyRows = Parse(copy, separator);
        foreach (var row in rows)
        {
            foreach (var (header, value) in sentRows[row - 1])
            {
                Assert.Equal(columns.Contains(header) ? "" : value, copyRows[row - 1][header]);
            }
        }
    }

    private static List<Dictionary<string, string>> Parse(byte[] file, string separator) =>
        new ExportFile(new BatchManifest { ContentType = separator == "\t" ? "text/tab-separated-values" : "text/csv" }, file, []).Rows;

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
