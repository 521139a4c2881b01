using System.Globalization;
using System.Security.Cryptography;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Cluster;

/// <summary>
/// Issue 15, point 2: two instances on one database and one broker give what one gives. No event
/// stored twice, no row doubled, each schedule occurrence run once, no completion in two batches of
/// a recipient, the same file from either instance, and each batch taken by its endpoint once.
/// </summary>
public sealed class TwoInstancesTests : IClassFixture<TwoInstancesRun>
{
    private readonly TwoInstancesRun _run;
    private readonly ITestOutputHelper _output;

    public TwoInstancesTests(TwoInstancesRun run, ITestOutputHelper output)
    {
        _run = run;
        _output = output;
        foreach (var line in run.Log)
        {
            output.WriteLine(line);
        }
    }

    private ServiceDatabase Database => _run.Database;

    [Fact]
    public async Task BothInstancesConsumeTheQueueAndEachEventIsStoredOnceAndEachInvalidOneRejectedOnce()
    {
        Assert.True(_run.First.Consumed.Total > 0, "the first instance consumed none of the queue");
        Assert.True(_run.Second.Consumed.Total > 0, "the second instance consumed none of the queue");
        Assert.Equal(_run.Events.Messages.Count, _run.First.Consumed.Total + _run.Second.Consumed.Total);

        var valid = _run.Events.Valid.Select(e => Guid.Parse((string)e["eventId"]!)).Order().ToList();
        Assert.Equal(valid, (await Database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.processed_events")).Order());
        Assert.Equal(valid, (await Database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions")).Order());

        var invalid = _run.Events.Invalid.Select(e => Guid.Parse((string)e["eventId"]!)).Order().ToList();
        Assert.Equal(invalid, (await Database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.rejected_events")).Order());
        Assert.Equal([1], await Database.ColumnAsync<int>("SELECT DISTINCT times_received FROM accreditation.rejected_events"));
    }

    [Fact]
    public async Task NoLearnerProfileActivityOrAwardIsStoredTwiceAndEachLearnerAndActivityHasOneCurrentCompletion()
    {
        var valid = _run.Events.Valid;
        var learners = valid.Select(e => (string)e["learner"]!["learnerId"]!).Distinct().Count();
        Assert.Equal(learners, await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.learners"));

        // Every event is under one policy: one profile per learner.
        Assert.Equal(learners, await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.learner_profiles"));
        Assert.Equal(
            valid.Select(e => (string)e["activity"]!["activityId"]!).Distinct().Count(),
            await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.activities"));
        Assert.Equal(valid.Sum(ClusterEvents.ClaimsOf), await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.credit_awards"));

        // Re-takes are stored by either instance, in either order: the later one in event time is current.
        Assert.Empty(await Database.ColumnAsync<string>(
            """
            SELECT learner_key || '/' || activity_key FROM accreditation.completions
            GROUP BY learner_key, activity_key
            HAVING count(*) FILTER (WHERE superseded_by IS NULL) <> 1
                OR max(occurred_at) <> max(occurred_at) FILTER (WHERE superseded_by IS NULL)
            """));
        Assert.Equal(_run.Events.Retakes, await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.completions WHERE superseded_by IS NOT NULL"));
    }

    [Fact]
    public async Task EachScheduleOccurrenceIsRunByOneInstanceNoneIsMissedAndEachMakesAtMostOneBatch()
    {
        _run.Occurrences.ForEach(_output.WriteLine);
        foreach (var recipient in TwoInstancesRun.Recipients)
        {
            var occurrences = await Database.ColumnAsync<DateTime>(
                "SELECT occurrence FROM accreditation.scheduled_runs WHERE recipient = @r ORDER BY occurrence", ("r", recipient));
            // Events arrive for about 10 s.
            Assert.True(occurrences.Count >= 5, $"{recipient}: {occurrences.Count} occurrences");
            var gaps = occurrences.Zip(occurrences.Skip(1), (a, b) => b - a).Where(gap => gap != TimeSpan.FromSeconds(2)).ToList();
            Assert.True(gaps.Count == 0, $"{recipient}: occurrences missed or off the schedule ({string.Join(", ", gaps)})");

            // Each batch belongs to the one occurrence whose time is its cut-off, and says so.
            var unmatched = await Database.ColumnAsync<long>(
                """
                SELECT b.id FROM accreditation.export_batches b
                LEFT JOIN accreditation.scheduled_runs s ON s.batch_id = b.id AND s.recipient = b.recipient AND s.occurrence = b.cutoff
                WHERE b.recipient = @r AND (s.batch_id IS NULL OR b.trigger <> 'schedule')
                """,
                ("r", recipient));
            Assert.Empty(unmatched);
            Assert.Equal(
                await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_batches WHERE recipient = @r", ("r", recipient)),
                await Database.ScalarAsync<long>("SELECT count(DISTINCT cutoff) FROM accreditation.export_batches WHERE recipient = @r", ("r", recipient)));
            Assert.True(
                await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_batches WHERE recipient = @r", ("r", recipient)) >= 3,
                $"{recipient}: batches were made while events kept arriving");
        }

        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(DISTINCT claimed_by) FROM accreditation.scheduled_runs"));
    }

    [Fact]
    public async Task NoCompletionIsInTwoBatchesOfARecipientAndEachCurrentOneIsHeldOnce()
    {
        Assert.Empty(await Database.ColumnAsync<string>(Holdings.HeldTwiceOrLess));
        Assert.Equal(0L, await Database.ScalarAsync<long>(Holdings.Wrong, ("recipients", TwoInstancesRun.Recipients)));

        foreach (var recipient in TwoInstancesRun.Recipients)
        {
            // Re-takes of sent completions were withdrawn, later names corrected: the paths that read
            // what earlier batches sent ran against batches either instance made.
            Assert.True(
                await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_lines WHERE recipient = @r AND action = 'Delete'", ("r", recipient)) > 0,
                $"{recipient}: no completion was withdrawn or corrected");
        }
    }

    [Fact]
    public async Task BothInstancesServeTheSameBatchAtOnceByteForByteAndAuditEachDownloadWhereItRan()
    {
        var largest = (await Database.ScalarAsync<string>(
            "SELECT id || ' ' || sha256 || ' ' || byte_length FROM accreditation.export_batches ORDER BY byte_length DESC LIMIT 1")).Split(' ');
        var (batchId, sha256, length) = (long.Parse(largest[0], CultureInfo.InvariantCulture), largest[1], long.Parse(largest[2], CultureInfo.InvariantCulture));
        var instances = new[] { ("first", _run.First), ("second", _run.Second) };

        const int PerInstance = 3;
        var downloads = instances
            .SelectMany(i => Enumerable.Range(0, PerInstance).Select(_ => DownloadAsync(i.Item2, Downloader(i.Item1), batchId)))
            .ToList();
        var files = await Task.WhenAll(downloads);

        Assert.True(length > 64 * 1024, $"the largest batch has {length} bytes: one chunk, nothing to interleave");
        foreach (var (manifest, bytes) in files)
        {
            Assert.Equal(files[0].Bytes, bytes);
            Assert.Equal(sha256, manifest.Sha256);
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        foreach (var (name, _) in instances)
        {
            var entries = await Database.ColumnAsync<string>(
                """
                SELECT outcome || ' ' || sha256 || ' ' || coalesce(details->>'bytes_sent', '-')
                FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @t AND actor_subject = @s
                ORDER BY outcome
                """,
                ("t", $"batch:{batchId}"), ("s", Downloader(name)));
            Assert.Equal(
                [.. Enumerable.Repeat($"completed {sha256} {length}", PerInstance), .. Enumerable.Repeat($"started {sha256} -", PerInstance)],
                entries);
        }
    }

    [Fact]
    public async Task EachBatchIsTakenByTheEndpointOnceThoughBothInstancesPushAndRetry()
    {
        var batches = (await Database.ColumnAsync<string>(
                "SELECT id || ' ' || recipient || ' ' || sha256 || ' ' || delivery_status FROM accreditation.export_batches ORDER BY id"))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => long.Parse(parts[0], CultureInfo.InvariantCulture), parts => (Recipient: parts[1], Sha256: parts[2], Status: parts[3]));
        Assert.All(batches.Values, b => Assert.Equal("Delivered", b.Status));

        var received = _run.Endpoint.Received;
        var byBatch = received.GroupBy(r => long.Parse(r.Headers["X-Export-Batch-Id"], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(batches.Keys.Order(), byBatch.Keys.Order());
        foreach (var (id, requests) in byBatch)
        {
            // Requests after a refusal are the retry path; none may follow the one the endpoint took.
            var taken = requests.Where(r => !TwoInstancesRun.Refused(r.Attempt)).ToList();
            Assert.True(taken.Count == 1, $"batch {id} was taken {taken.Count} times");
            Assert.Equal(requests[^1], taken[0]);
            Assert.Equal(batches[id].Sha256, Convert.ToHexStringLower(SHA256.HashData(taken[0].Body)));
            Assert.Single(requests.Select(r => r.Headers["Idempotency-Key"]).Distinct());
        }

        // Each recipient got its batches in order, whichever instance pushed them.
        foreach (var recipient in TwoInstancesRun.Recipients)
        {
            var taken = received.Where(r => !TwoInstancesRun.Refused(r.Attempt))
                .Select(r => long.Parse(r.Headers["X-Export-Batch-Id"], CultureInfo.InvariantCulture))
                .Where(id => batches[id].Recipient == recipient)
                .ToList();
            Assert.Equal(taken.Order(), taken);
        }

        Assert.Contains(byBatch.Values, requests => requests.Count > 1);
        Assert.Equal(["first", "second"], received.Select(r => r.Headers[TwoInstancesRun.InstanceHeader]).Distinct().Order());
        Assert.Equal(
            batches.Keys.Select(id => $"batch:{id}").Order(),
            (await Database.ColumnAsync<string>("SELECT target FROM accreditation.audit_events WHERE action = 'delivery.push' AND outcome = 'ok'")).Order());
    }

    [Fact]
    public async Task TheAuditTrailBothInstancesAppendedToIsOneIntactChain()
    {
        var entries = await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events");
        var audit = new AuditService.AuditServiceClient(_run.Second.CreateChannel("auditor"));

        var verified = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());

        Assert.True(verified.Intact, $"broken at entry {verified.FirstBrokenId}: {verified.Problem}");
        Assert.True(verified.EntriesChecked >= entries, $"{verified.EntriesChecked} entries checked of {entries}");
    }

    private static string Downloader(string instance) => $"downloader-on-{instance}";

    private static async Task<(BatchManifest Manifest, byte[] Bytes)> DownloadAsync(ReportingService service, string subject, long batchId)
    {
        var client = new ExportService.ExportServiceClient(service.CreateChannelWithToken(TestTokens.Mint(["compliance"], subject: subject)));
        using var call = client.DownloadBatch(new DownloadBatchRequest { BatchId = batchId });
        BatchManifest? manifest = null;
        var bytes = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            if (part.PartCase == DownloadBatchResponse.PartOneofCase.Manifest)
            {
                manifest = part.Manifest;
            }
            else
            {
                part.Chunk.WriteTo(bytes);
            }
        }

        return (manifest ?? throw new InvalidOperationException("no manifest"), bytes.ToArray());
    }
}
