using System.Text.Json.Nodes;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Tests.Access;
using AccreditationReporting.Tests.Fixtures;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Audit;

/// <summary>What the trail records, with whose identity, and that the service's database role cannot change it.</summary>
public sealed class AuditTrailTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private ServiceDatabase Database => fixture.Service.Database;

    [Fact]
    public async Task EveryMethodWritesItsEntryWithTheVerifiedIdentity()
    {
        var actions = fixture.Service.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Where(e => e.Metadata.GetMetadata<GrpcMethodMetadata>() is not null && e.Metadata.GetMetadata<AuditedAttribute>() is not null)
            .ToDictionary(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()!.Method.FullName.TrimStart('/'), e => e.Metadata.GetMetadata<AuditedAttribute>()!.Action);
        var missing = new List<string>();

        foreach (var method in ApiMethods.All)
        {
            var name = ApiMethods.Name(method);
            var role = ApiMethods.MayCall[name][0];
            var subject = $"walker-{Guid.NewGuid():N}";
            var token = TestTokens.Mint([role], subject: subject, name: "Walker Person", clientId: "compliance-console");
            using var channel = fixture.Service.CreateChannelWithToken(token);
            await ApiMethods.CallAsync(channel, method);

            var entries = await Database.ColumnAsync<string>(
                """
                SELECT action || '|' || actor_name || '|' || array_to_string(actor_roles, ',') || '|' || actor_client || '|' || peer
                FROM accreditation.audit_events WHERE actor_subject = @s
                """,
                ("s", subject));
            var expected = $"{actions[name]}|Walker Person|{role}|compliance-console|127.0.0.1";
            if (!entries.Contains(expected))
            {
                missing.Add($"{name}: expected an entry '{expected}', found [{string.Join("; ", entries)}]");
            }
        }

        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public async Task EachSuccessfulCallRecordsWhatItTouchedByInternalKeyUnderTheCallersIdentity()
    {
        var stored = Completion(NewActivity());
        await fixture.StoreAsync(stored);
        var learnerId = LearnerId(stored);
        var learnerKey = await Database.ScalarAsync<long>("SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId));
        var run = Guid.NewGuid().ToString("N");
        GrpcChannelFor(StaffRoles.Compliance, $"reader-{run}", out var reader);
        GrpcChannelFor(StaffRoles.ExportJob, $"job-{run}", out var job);
        GrpcChannelFor(StaffRoles.PrivacyOfficer, $"privacy-{run}", out var privacy);

        await new CompletionService.CompletionServiceClient(reader).GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var batch = (await new ExportService.ExportServiceClient(job).CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" })).Batch;
        var submission = await new ExportService.ExportServiceClient(reader).RecordSubmissionAsync(new RecordSubmissionRequest
        {
            BatchId = batch.Id, SubmittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(batch.CreatedAt.ToDateTimeOffset().AddMinutes(5)),
            Method = "upload", Outcome = SubmissionOutcome.Accepted,
        });
        await new LearnerRightsService.LearnerRightsServiceClient(privacy).EraseLearnerAsync(new EraseLearnerRequest { LearnerId = learnerId, RequestReference = $"PRIV-{run}" });

        // The submitter is the caller the token names, not a name typed into the request.
        Assert.Equal($"Walker Person (reader-{run})", submission.SubmittedBy);
        var erasureRequest = await Database.ScalarAsync<long>("SELECT id FROM accreditation.erasure_requests WHERE learner_key = @k", ("k", learnerKey));
        var entries = await Database.ColumnAsync<string>(
            """
            SELECT actor_subject || '|' || action || '|' || target || '|' || outcome || '|' || coalesce(row_count::text, '') || '|' || coalesce(sha256, '')
                || '|' || coalesce(details->>'trigger', details->>'erasure_request', '')
            FROM accreditation.audit_events WHERE actor_subject LIKE @run ORDER BY id
            """,
            ("run", $"%-{run}"));
        Assert.Equal(
            [
                $"reader-{run}|learner-record.read|learner:{learnerKey}|ok|||",
                $"job-{run}|batch.create|batch:{batch.Id}|ok|{batch.Manifest.RowCount}|{batch.Manifest.Sha256}|on-demand",
                $"reader-{run}|submission.record|batch:{batch.Id}|ok|{batch.Manifest.RowCount}|{batch.Manifest.Sha256}|",
                $"privacy-{run}|learner.erase|learner:{learnerKey}|ok|||{erasureRequest}",
            ],
            entries);

        // The publisher's learner ID and the learner's name appear in none of them.
        foreach (var personal in new[] { learnerId, (string)stored["learner"]!["lastName"]! })
        {
            Assert.Equal(0L, await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.audit_events e WHERE actor_subject LIKE @run AND row_to_json(e)::text LIKE @p",
                ("run", $"%-{run}"), ("p", $"%{personal}%")));
        }
    }

    private void GrpcChannelFor(string role, string subject, out Grpc.Net.Client.GrpcChannel channel) =>
        channel = fixture.Service.CreateChannelWithToken(TestTokens.Mint([role], subject: subject, name: "Walker Person"));

    [Fact]
    public async Task AForgedXActorHeaderChangesNothing()
    {
        var forged = $"forged-{Guid.NewGuid():N}";
        var subject = $"real-{Guid.NewGuid():N}";
        using var channel = fixture.Service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Compliance], subject: subject));
        var exports = new ExportService.ExportServiceClient(channel);

        await exports.ListBatchesAsync(new ListBatchesRequest(), new Metadata { { "x-actor", forged } });

        Assert.Equal(1L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.audit_events WHERE actor_subject = @s AND action = 'batch.list'", ("s", subject)));
        Assert.Equal(0L, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.audit_events e WHERE row_to_json(e)::text LIKE @f", ("f", $"%{forged}%")));
    }

    private static string HowItEnded(Task<bool> next, AsyncServerStreamingCall<DownloadBatchResponse> call) =>
        next.IsFaulted ? $"failed: {next.Exception!.InnerException}"
        : next.IsCanceled ? "cancelled"
        : next.Result ? $"a {call.ResponseStream.Current.PartCase} arrived" : "the stream ended";

    [Fact]
    public async Task ADownloadIsRecordedBeforeItsFirstChunkAndWhenCancelledWithTheBytesSent()
    {
        // About 3.5 MB: more than HTTP/2's windows and Kestrel's buffers hold even after the client's
        // window has grown (at 1.3 MB a loaded run once saw the whole file sent before the cancel),
        // so the server is still sending when the client stops reading.
        await fixture.StoreAsync(Enumerable.Range(0, 3000).Select(_ => Completion(NewActivity(), change: e =>
        {
            e["activity"]!["title"] = new string('x', 500);
            e["learner"]!["firstName"] = new string('y', 200);
            e["learner"]!["lastName"] = new string('z', 200);
        })).ToArray());
        var batch = (await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "joint-provider/cme-consultants" })).Batch;
        var target = AuditEntry.Batch(batch.Id);

        using var cancel = new CancellationTokenSource();

        // The trail's lock is taken before the call starts (a call started first could write its
        // entry and send its manifest before the lock is held: a loaded full run did). While it is
        // held elsewhere, the download's entry cannot be written, and not a byte of the file, nor
        // its manifest, may arrive.
        var trailLock = new NpgsqlConnection(fixture.Service.PostgresConnectionString);
        await trailLock.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('audit-trail', 0))", trailLock))
        {
            await take.ExecuteNonQueryAsync();
        }

        using (var call = fixture.Exports.DownloadBatch(new DownloadBatchRequest { BatchId = batch.Id }, cancellationToken: cancel.Token))
        {
            Task<bool> first;
            await using (trailLock)
            {
                first = call.ResponseStream.MoveNext(CancellationToken.None);
                await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(2)));
                Assert.False(first.IsCompleted, first.IsCompleted ? $"the download answered while the trail was locked: {HowItEnded(first, call)}" : null);
                Assert.Equal(0L, await Database.ScalarAsync<long>(
                    "SELECT count(*) FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t", ("t", target)));
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('audit-trail', 0))", trailLock);
                await release.ExecuteNonQueryAsync();
            }

            Assert.True(await first);
            Assert.Equal(DownloadBatchResponse.PartOneofCase.Manifest, call.ResponseStream.Current.PartCase);
            Assert.Equal($"started {batch.Manifest.RowCount} {batch.Manifest.Sha256}", await Database.ScalarAsync<string>(
                "SELECT outcome || ' ' || row_count || ' ' || sha256 FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t",
                ("t", target)));
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            await cancel.CancelAsync();
        }

        List<string> outcomes = [];
        await Eventually.TrueAsync(
            async () => (outcomes = await Database.ColumnAsync<string>(
                "SELECT outcome FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t ORDER BY id", ("t", target))).Count == 2,
            what: "the download's second entry");
        Assert.Equal(["started", "cancelled"], outcomes);
        var sent = long.Parse(await Database.ScalarAsync<string>(
            "SELECT details->>'bytes_sent' FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t AND outcome = 'cancelled'", ("t", target)),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(sent, 1, batch.Manifest.ByteLength - 1);
    }

    [Fact]
    public async Task TheServiceRoleCannotChangeTheTrailOrTheSchemaAndTheOwnerCannotChangeTheTrail()
    {
        using (var channel = fixture.Service.CreateChannel(StaffRoles.Auditor))
        {
            await new AuditService.AuditServiceClient(channel).VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        }

        var asService = TestPostgres.AsServiceRole(fixture.Service.PostgresConnectionString);
        foreach (var sql in new[]
        {
            "UPDATE accreditation.audit_events SET outcome = 'ok'",
            "DELETE FROM accreditation.audit_events",
            "TRUNCATE accreditation.audit_events",
            "DROP TABLE accreditation.learners",
            "TRUNCATE accreditation.completions",
            "CREATE TABLE accreditation.smuggled (id int)",
            "ALTER TABLE accreditation.audit_events DISABLE TRIGGER audit_events_append_only",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(asService, sql));
            Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {refused.SqlState}");
        }

        // What the service does need still works as its role.
        await ExecuteAsync(asService, "SELECT count(*) FROM accreditation.audit_events");

        // The owner is refused by the trigger.
        foreach (var sql in new[] { "UPDATE accreditation.audit_events SET outcome = 'ok'", "DELETE FROM accreditation.audit_events", "TRUNCATE accreditation.audit_events" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(fixture.Service.PostgresConnectionString, sql));
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AuditorsListEntriesByActorActionTargetAndTimeAPageAtATime()
    {
        var subject = $"lister-{Guid.NewGuid():N}";
        using (var channel = fixture.Service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Compliance], subject: subject)))
        {
            var exports = new ExportService.ExportServiceClient(channel);
            for (var i = 0; i < 3; i++)
            {
                await exports.ListBatchesAsync(new ListBatchesRequest());
            }

            await Assert.ThrowsAsync<RpcException>(() => exports.GetBatchAsync(new GetBatchRequest { BatchId = 424242 }).ResponseAsync);
        }

        using var auditorChannel = fixture.Service.CreateChannel(StaffRoles.Auditor);
        var audit = new AuditService.AuditServiceClient(auditorChannel);
        var first = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Actor = subject, PageSize = 2 });
        Assert.Equal(2, first.AuditEvents.Count);
        Assert.Equal("batch.read", first.AuditEvents[0].Action);
        Assert.Equal(("not-found", "batch:424242"), (first.AuditEvents[0].Outcome, first.AuditEvents[0].Target));
        var second = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Actor = subject, PageSize = 2, PageToken = first.NextPageToken });
        Assert.Equal(2, second.AuditEvents.Count);
        Assert.Empty(second.NextPageToken);
        Assert.All(second.AuditEvents, e => Assert.Equal("batch.list", e.Action));

        var lists = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Actor = subject, Action = "batch.list" });
        Assert.Equal(3, lists.AuditEvents.Count);
        var byTarget = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Target = "batch:424242" });
        Assert.Single(byTarget.AuditEvents);
        var at = first.AuditEvents[0].At;
        var later = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Actor = subject, From = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = at.Seconds + 1 } });
        Assert.Empty(later.AuditEvents);
        var upTo = await audit.ListAuditEventsAsync(new ListAuditEventsRequest { Actor = subject, To = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = at.Seconds + 1 } });
        Assert.Equal(4, upTo.AuditEvents.Count);
        Assert.All(first.AuditEvents, e => Assert.Equal(64, e.Hash.Length));

        var bad = await Assert.ThrowsAsync<RpcException>(() => audit.ListAuditEventsAsync(new ListAuditEventsRequest { PageToken = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task XForwardedForIsBelievedOnlyFromAConfiguredProxy()
    {
        var direct = $"direct-{Guid.NewGuid():N}";
        await ListBatchesWithForwardedForAsync(fixture.Service, direct);
        Assert.Equal("127.0.0.1", await PeerAsync(fixture.Service, direct));

        await using var behindProxy = await ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        var proxied = $"proxied-{Guid.NewGuid():N}";
        await ListBatchesWithForwardedForAsync(behindProxy, proxied);
        Assert.Equal("203.0.113.7", await PeerAsync(behindProxy, proxied));
    }

    private static async Task ListBatchesWithForwardedForAsync(ReportingService service, string subject)
    {
        using var channel = service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Compliance], subject: subject));
        await new ExportService.ExportServiceClient(channel).ListBatchesAsync(new ListBatchesRequest(), new Metadata { { "X-Forwarded-For", "203.0.113.7" } });
    }

    private static Task<string> PeerAsync(ReportingService service, string subject) =>
        service.Database.ScalarAsync<string>("SELECT peer FROM accreditation.audit_events WHERE actor_subject = @s", ("s", subject));

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
