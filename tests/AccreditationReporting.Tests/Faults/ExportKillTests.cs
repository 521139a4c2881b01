using System.Security.Cryptography;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Npgsql;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// The service is killed with SIGKILL in the middle of each export step: while a batch's transaction
/// has written its row, lines and file and waits to commit; while a download streams; while a push
/// is with the recipient. A batch is all or nothing, a completion goes to a recipient in one batch, an
/// interrupted download stays in the audit trail, the push is made again (under the same
/// Idempotency-Key) once the service is back, and so is a scheduled batch's occurrence.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ExportKillTests(ITestOutputHelper output)
{
    private const string Pars = "accme-pars-learners";
    private const string JointProvider = "joint-provider/cme-consultants";
    private const string Scheduled = "accme-pars-activities";

    [Fact]
    public async Task KillsDuringABatchADownloadAndAPushLeaveNoHalfMadeBatchNoCompletionTwiceAndNoDeliveryLost()
    {
        var profile = FaultProfile.Current;
        var report = new FaultReport(output, "kill -9 during exports");
        var seed = FaultProfile.Seed();
        var messages = FaultEvents.Generate(profile.ExportCompletions, seed, invalidShare: 0, republishedShare: 0);
        report.Line($"seed {seed}, {messages.Count} completions");

        // The recipient holds the first push until the service that sent it is gone; later ones it accepts.
        var firstPush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var recipient = await RecipientEndpoint.StartAsync(async (attempt, aborted) =>
        {
            if (attempt == 1)
            {
                firstPush.TrySetResult();
                await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            return new RecipientEndpoint.Answer(200);
        });

        var endpoint = $"course-completed-exports-{Guid.NewGuid():N}";
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        var owner = await TestPostgres.CreateDatabaseAsync();
        await using var service = await ServiceProcess.StartAsync(owner, amqpUri, FaultSettings.Ingestion(endpoint, new Dictionary<string, string?>
        {
            ["JointProviders:cme-consultants:Delivery:Endpoint"] = recipient.Url.ToString(),
            ["JointProviders:cme-consultants:Delivery:PollInterval"] = "00:00:01",
        }), "exports");
        await using (var publisher = new ConfirmingPublisher([new Uri(amqpUri)], endpoint))
        {
            await publisher.PublishAsync(messages);
        }

        await IngestionTally.WaitUntilSettledAsync(service.Database, messages, stall: TimeSpan.FromMinutes(1));
        var completions = await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.completions");
        Assert.Equal(messages.Count, completions);

        // 1. A batch: killed when its transaction has written everything and waits for the audit trail's lock to commit.
        long batchId;
        await using (var trail = new NpgsqlConnection(owner))
        {
            await trail.OpenAsync();
            await Sql(trail, "SELECT pg_advisory_lock(hashtextextended('audit-trail', 0))");
            var creating = Exports(service).CreateBatchAsync(new CreateBatchRequest { Recipient = Pars }).ResponseAsync;
            var written = await Eventually.ValueAsync(() => TablesOfABatchWaitingToCommitAsync(trail), TimeSpan.FromMinutes(2), "the batch waiting to commit");
            service.Kill();
            await Assert.ThrowsAsync<RpcException>(() => creating);
            await Sql(trail, "SELECT pg_advisory_unlock(hashtextextended('audit-trail', 0))");
            report.Line($"batch: SIGKILL while its transaction, having written to {string.Join(", ", written)}, waited to commit");
        }

        await Eventually.TrueAsync(async () => await ServiceBackendsAsync(service) == 0, TimeSpan.FromMinutes(1), "PostgreSQL ending the dead service's sessions");
        var visibleAfterKill = await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_batches");
        var strayLines = await service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.export_lines l WHERE NOT EXISTS (SELECT 1 FROM accreditation.export_batches b WHERE b.id = l.batch_id)");
        Assert.Equal((0L, 0L), (visibleAfterKill, strayLines));

        await service.StartAsync();
        var created = await Exports(service).CreateBatchAsync(new CreateBatchRequest { Recipient = Pars });
        Assert.True(created.Created);
        batchId = created.Batch.Id;
        var handled = await service.Database.ScalarAsync<long>(
            "SELECT count(DISTINCT completion_id) FROM accreditation.export_lines WHERE batch_id = @id", ("id", batchId));
        report.Line($"batch: after the restart, batch {batchId} holds a line for {handled} of {completions} completions " +
            $"({created.Batch.Included} included, {created.Batch.Manifest.RowCount} rows, {created.Batch.Manifest.ByteLength} bytes); none visible from before the kill");
        Assert.Equal(completions, handled);

        // 2. A download: killed once the client has the manifest and its first chunk.
        var manifest = created.Batch.Manifest;
        var got = 0L;
        using (var call = Exports(service).DownloadBatch(new DownloadBatchRequest { BatchId = batchId }))
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.True(await call.ResponseStream.MoveNext());
            got = call.ResponseStream.Current.Chunk.Length;
            service.Kill();
            try
            {
                while (await call.ResponseStream.MoveNext())
                {
                    got += call.ResponseStream.Current.Chunk.Length;
                }
            }
            catch (RpcException)
            {
                // The stream ends with the process that wrote it.
            }
        }

        var interrupted = await DownloadOutcomesAsync(service, batchId);
        report.Line($"download: SIGKILL after {got} of {manifest.ByteLength} bytes had reached the client; the audit trail holds [{string.Join(", ", interrupted)}] for it");
        Assert.True(got < manifest.ByteLength, $"the download was cut short ({got} of {manifest.ByteLength} bytes)");
        Assert.Equal(["started"], interrupted);

        await service.StartAsync();
        var file = await DownloadAsync(service, batchId);
        Assert.Equal((manifest.ByteLength, manifest.Sha256), (file.LongLength, Convert.ToHexStringLower(SHA256.HashData(file))));
        Assert.Equal(["started", "started", "completed"], await DownloadOutcomesAsync(service, batchId));
        report.Line($"download: after the restart the whole file came ({file.Length} bytes, the manifest's SHA-256); the trail holds both downloads");

        // 3. A push: killed while the recipient holds the request.
        var pushed = await Exports(service).CreateBatchAsync(new CreateBatchRequest { Recipient = JointProvider });
        Assert.True(pushed.Created);
        await firstPush.Task.WaitAsync(TimeSpan.FromMinutes(1));
        service.Kill();
        report.Line($"push: SIGKILL while the recipient held the first push of batch {pushed.Batch.Id}");

        await service.StartAsync();
        var delivered = await Eventually.ValueAsync(
            async () => await Exports(service).GetBatchAsync(new GetBatchRequest { BatchId = pushed.Batch.Id }) is { Delivery.Status: "Delivered" } batch ? batch : null,
            TimeSpan.FromMinutes(2), "the batch delivered after the restart");
        var pushes = recipient.Received;
        var pushOutcomes = await service.Database.ColumnAsync<string>(
            "SELECT outcome FROM accreditation.audit_events WHERE action = 'delivery.push' AND target = @target ORDER BY id", ("target", $"batch:{pushed.Batch.Id}"));
        report.Line($"push: delivered after the restart; the recipient got {pushes.Count} requests " +
            $"({pushes.Select(p => p.Headers["Idempotency-Key"]).Distinct().Count()} Idempotency-Key, {pushes.Select(p => p.Headers["Content-Digest"]).Distinct().Count()} Content-Digest); " +
            $"delivery.push in the trail: [{string.Join(", ", pushOutcomes)}]");
        Assert.Equal(2, pushes.Count);
        Assert.Single(pushes.Select(p => p.Headers["Idempotency-Key"]).Distinct());
        Assert.All(pushes, p => Assert.Equal(pushed.Batch.Manifest.Sha256, Convert.ToHexStringLower(SHA256.HashData(p.Body))));
        Assert.All(pushes, p => Assert.Equal(pushed.Batch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Headers["X-Export-Batch-Id"]));
        Assert.Equal(["ok"], pushOutcomes);
        Assert.Equal("Delivered", delivered.Delivery.Status);

        // 4. A scheduled batch: killed while it waits to commit; the restarted instance makes that occurrence, late.
        await using var scheduled = await ServiceProcess.StartAsync(owner, amqpUri, FaultSettings.Ingestion(endpoint, new Dictionary<string, string?>
        {
            [$"Exports:Schedules:{Scheduled}"] = "*/5 * * * * *",
        }), "exports-scheduled");
        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.scheduled_runs WHERE recipient = @r AND batch_id IS NULL", ("r", Scheduled)) > 0,
            TimeSpan.FromMinutes(2), "a scheduled occurrence with nothing new, after the first took what was stored");
        var later = FaultEvents.Generate(100, seed + 1, invalidShare: 0, republishedShare: 0);
        DateTime lastBeforeKill;
        await using (var trail = new NpgsqlConnection(owner))
        {
            await trail.OpenAsync();
            await Sql(trail, "SELECT pg_advisory_lock(hashtextextended('audit-trail', 0))");
            await using (var publisher = new ConfirmingPublisher([new Uri(amqpUri)], endpoint))
            {
                await publisher.PublishAsync(later);
            }

            var written = await Eventually.ValueAsync(() => TablesOfABatchWaitingToCommitAsync(trail), TimeSpan.FromMinutes(2), "the scheduled batch waiting to commit");
            scheduled.Kill();
            lastBeforeKill = await service.Database.ScalarAsync<DateTime>("SELECT max(occurrence) FROM accreditation.scheduled_runs WHERE recipient = @r", ("r", Scheduled));
            await Sql(trail, "SELECT pg_advisory_unlock(hashtextextended('audit-trail', 0))");
            report.Line($"schedule: SIGKILL while the batch of the occurrence after {lastBeforeKill:HH:mm:ss}, having written to {string.Join(", ", written)}, waited to commit");
        }

        var restarted = DateTime.UtcNow;
        await scheduled.StartAsync();
        var killedOccurrence = lastBeforeKill.AddSeconds(5);
        var made = await Eventually.ValueAsync(
            async () => (await service.Database.ColumnAsync<string>(
                """
                SELECT 'batch ' || b.id || ', ' || b.included || ' completions'
                FROM accreditation.scheduled_runs r JOIN accreditation.export_batches b ON b.id = r.batch_id
                WHERE r.recipient = @r AND r.occurrence = @o
                """,
                ("r", Scheduled), ("o", new DateTimeOffset(killedOccurrence, TimeSpan.Zero)))).SingleOrDefault(),
            TimeSpan.FromMinutes(2), "the killed occurrence made after the restart");
        var claimedAt = await service.Database.ScalarAsync<DateTime>(
            "SELECT claimed_at FROM accreditation.scheduled_runs WHERE recipient = @r AND occurrence = @o", ("r", Scheduled), ("o", new DateTimeOffset(killedOccurrence, TimeSpan.Zero)));
        report.Line($"schedule: the {killedOccurrence:HH:mm:ss} occurrence made {(claimedAt - killedOccurrence).TotalSeconds:0.0} s late, after the restart, with its batch ({made})");
        Assert.True(claimedAt >= restarted.AddSeconds(-1), $"claimed at {claimedAt:O}, the restart at {restarted:O}");
        Assert.DoesNotContain(", 0 completions", made, StringComparison.Ordinal);

        // The events that came after the occurrence's cut-off go in the occurrences after it: all handled, once.
        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>(
                "SELECT count(DISTINCT completion_id) FROM accreditation.export_lines WHERE recipient = @r", ("r", Scheduled)) == completions + later.Count,
            TimeSpan.FromMinutes(1), "every completion in a scheduled batch");

        // Across everything: whole batches only, each completion added once per recipient, the trail intact.
        var halfMade = await service.Database.ScalarAsync<long>(
            """
            SELECT count(*) FROM accreditation.export_batches b
            WHERE b.file_name = '' OR b.byte_length <> (SELECT coalesce(sum(length(c.data)), 0) FROM accreditation.export_file_chunks c WHERE c.batch_id = b.id)
            """);
        var twice = await service.Database.ScalarAsync<long>(
            """
            SELECT count(*) FROM (
                SELECT recipient, completion_id FROM accreditation.export_lines WHERE action = 'added' GROUP BY 1, 2 HAVING count(*) > 1) d
            """);
        var verified = await new AuditService.AuditServiceClient(service.CreateChannel(StaffRoles.Auditor)).VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        report.Line($"batches {await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_batches")}, half-made {halfMade}, " +
            $"completions in two batches of a recipient {twice}, audit trail intact {verified.Intact} ({verified.EntriesChecked} entries); kills {service.Kills + scheduled.Kills}");
        Assert.Equal((0L, 0L), (halfMade, twice));
        Assert.True(verified.Intact, verified.Problem);
    }

    private static ExportService.ExportServiceClient Exports(ServiceProcess service) => new(service.CreateChannel(StaffRoles.Compliance));

    private static async Task<byte[]> DownloadAsync(ServiceProcess service, long batchId)
    {
        using var call = Exports(service).DownloadBatch(new DownloadBatchRequest { BatchId = batchId });
        var bytes = new MemoryStream();
        while (await call.ResponseStream.MoveNext())
        {
            if (call.ResponseStream.Current.PartCase == DownloadBatchResponse.PartOneofCase.Chunk)
            {
                call.ResponseStream.Current.Chunk.WriteTo(bytes);
            }
        }

        return bytes.ToArray();
    }

    private static Task<List<string>> DownloadOutcomesAsync(ServiceProcess service, long batchId) =>
        service.Database.ColumnAsync<string>(
            "SELECT outcome FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @target ORDER BY id", ("target", $"batch:{batchId}"));

    /// <summary>
    /// The tables a service session waiting for an advisory lock (the trail's, which the test holds)
    /// has written to in its open transaction; null while there is none.
    /// </summary>
    private static async Task<List<string>?> TablesOfABatchWaitingToCommitAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname
            FROM pg_locks waiting
            JOIN pg_stat_activity a ON a.pid = waiting.pid
            JOIN pg_locks held ON held.pid = waiting.pid AND held.mode = 'RowExclusiveLock'
            JOIN pg_class c ON c.oid = held.relation AND c.relkind = 'r'
            WHERE waiting.locktype = 'advisory' AND NOT waiting.granted AND a.usename = @service AND a.datname = current_database()
            ORDER BY c.relname
            """,
            connection);
        command.Parameters.AddWithValue("service", DatabaseRoles.Service);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables.Contains("export_batches") ? tables : null;
    }

    private static Task<long> ServiceBackendsAsync(ServiceProcess service) =>
        service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = @service AND datname = current_database()", ("service", DatabaseRoles.Service));

    private static async Task Sql(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
