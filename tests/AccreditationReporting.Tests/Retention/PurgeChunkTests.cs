using System.Globalization;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using AccreditationReporting.Retention;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Retention;

/// <summary>
/// The verification records go in chunks of learners, each committed with its own audit entry; a
/// chunk skips a learner another transaction holds, and waits for batches in progress without
/// holding its learners meanwhile.
/// </summary>
public sealed class PurgeChunkTests
{
    private const string JointProvider = "joint-provider/cme-consultants";

    [Fact]
    public async Task ARunOverSeveralChunksDeletesEverythingWithAnEntryPerChunkAndLeavesAHeldLearnerToTheNextRun()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: new Dictionary<string, string?> { ["Retention:ChunkLearners"] = "2" });
        var store = new ExportServiceFixtureOver(service);
        var now = Purges.TodayAtNoon;
        var expired = NewActivity();
        var accmeId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var events = Enumerable.Range(0, 5)
            .Select(_ => Purges.EndedOn(
                Completion(expired, change: e => e["activity"]!["accmeActivityId"] = accmeId), DateOnly.FromDateTime(now.UtcDateTime).AddYears(-6).AddDays(-1)))
            .ToArray();

        // The first learner also took a recent activity: they stay, with that completion.
        var recent = Completion(NewActivity(), change: e => e["learner"]!["learnerId"] = LearnerId(events[0]));
        await store.StoreAsync([.. events, recent]);
        foreach (var recipient in new[] { Recipients.ParsLearners, JointProvider, Recipients.ParsActivities })
        {
            Assert.True((await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient })).Created, recipient);
        }

        var db = service.Database;
        const string ExpiredCompletions =
            "SELECT c.id FROM accreditation.completions c JOIN accreditation.activities a ON a.id = c.activity_key WHERE a.activity_id = @a";
        var gone = await db.ColumnAsync<long>(ExpiredCompletions, ("a", expired));
        const string LinesOf = "SELECT count(DISTINCT recipient) FROM accreditation.export_lines WHERE completion_id = ANY(@ids)";
        Assert.Equal(3L, await db.ScalarAsync<long>(LinesOf, ("ids", gone.ToArray())));
        var learners = await db.ColumnAsync<long>(
            $"SELECT DISTINCT c.learner_key FROM ({ExpiredCompletions}) x JOIN accreditation.completions c ON c.id = x.id ORDER BY 1", ("a", expired));
        var staying = await db.ScalarAsync<long>("SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", LearnerId(events[0])));
        Assert.Equal(5, learners.Count);

        // Another transaction (an erasure, say) holds one of the learners of the first two chunks.
        var held = learners.Take(2).First(k => k != staying);
        var clock = new FakeTimeProvider(now);
        await using (var holder = new NpgsqlConnection(service.PostgresConnectionString))
        {
            await holder.OpenAsync();
            await using var holding = await holder.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("SELECT id FROM accreditation.learners WHERE id = @id FOR UPDATE", holder, holding))
            {
                hold.Parameters.AddWithValue("id", held);
                await hold.ExecuteNonQueryAsync();
            }

            var first = await Purges.RunAsync(service, clock);
            Assert.NotNull(first);
            Assert.Empty(first.Failed);
            Assert.Equal((3, 4, 3, 1), (first.Chunks, first.Records.Completions, first.Records.Learners, first.Records.LearnersSkipped));
            await holding.CommitAsync();
        }

        var chunkEntries = await db.ColumnAsync<string>(
            """
            SELECT (details->>'chunk') || ' ' || (details->>'completions') || ' ' || (details->>'learners_skipped') || ' ' || (details->>'run_started_at')
            FROM accreditation.audit_events WHERE action = 'retention.purge' AND details->>'part' = 'verification-records' ORDER BY id
            """);
        var run = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        Assert.Equal([$"1 1 1 {run}", $"2 2 0 {run}", $"3 1 0 {run}"], chunkEntries);

        // The next run takes the learner it skipped.
        clock.Advance(TimeSpan.FromDays(1));
        var second = await Purges.RunAsync(service, clock);
        Assert.Equal((1, 1, 1, 0), (second!.Chunks, second.Records.Completions, second.Records.Learners, second.Records.LearnersSkipped));

        Assert.Empty(await db.ColumnAsync<long>(ExpiredCompletions, ("a", expired)));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM accreditation.export_lines WHERE completion_id = ANY(@ids)", ("ids", gone.ToArray())));
        Assert.Equal(
            [Guid.Parse(EventId(recent))],
            await db.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions"));
        Assert.Equal([staying], await db.ColumnAsync<long>("SELECT id FROM accreditation.learners"));
        Assert.True(await db.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.export_lines x JOIN accreditation.completions c ON c.id = x.completion_id") > 0);

        // Each run also recorded its batch files and its audit trail once.
        foreach (var part in new[] { RetentionPurge.FilesPart, RetentionPurge.AuditTrailPart })
        {
            Assert.Equal(2L, await db.ScalarAsync<long>(Purges.EntriesOfPart, ("part", part)));
        }
    }

    [Fact]
    public async Task AChunkWaitsForABatchInProgressWithoutHoldingItsLearners()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var store = new ExportServiceFixtureOver(service);
        var now = Purges.TodayAtNoon;
        var expired = Purges.EndedOn(Completion(NewActivity()), DateOnly.FromDateTime(now.UtcDateTime).AddYears(-7));
        await store.StoreAsync(expired);
        var db = service.Database;

        // The test stands for a PARS learner batch in progress: it holds that recipient's batch lock.
        await using var batch = new NpgsqlConnection(service.PostgresConnectionString);
        await batch.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('export-batch/' || @r, 0))", batch))
        {
            take.Parameters.AddWithValue("r", Recipients.ParsLearners);
            await take.ExecuteNonQueryAsync();
        }

        var run = Purges.RunAsync(service, new FakeTimeProvider(now));
        await Eventually.TrueAsync(
            async () => await db.ScalarAsync<long>(
                """
                SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) > 0,
            what: "the purge's chunk waiting for the batch");

        // A new event of the learner whose records the waiting chunk will delete is stored meanwhile.
        var later = Completion(NewActivity(), change: e => e["learner"]!["learnerId"] = LearnerId(expired));
        await service.Services.GetRequiredService<IBus>().Publish(later.ToMessage());
        await db.WaitForStoredAsync(Guid.Parse(EventId(later)));
        Assert.False(run.IsCompleted);

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('export-batch/' || @r, 0))", batch))
        {
            release.Parameters.AddWithValue("r", Recipients.ParsLearners);
            await release.ExecuteNonQueryAsync();
        }

        var done = await run;
        Assert.Equal((1, 1, 0), (done!.Chunks, done.Records.Completions, done.Records.Learners));
        Assert.Equal([Guid.Parse(EventId(later))], await db.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions"));
    }

    /// <summary>
    /// A chunk deletes its export lines through the lines' key, not by reading the table or the whole
    /// key (a condition on completion_id alone could do no better). The planner weighs the lookups
    /// against reading the table: on these 100,000 lines it looks up 50 completions by key and would
    /// read the table for 200; by hand, on a million lines, it looks up 500 and reads the table for
    /// 2,000. The larger the table, the larger the chunk it looks up.
    /// </summary>
    [Fact]
    public async Task AChunksExportLinesAreFoundThroughTheirKey()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var store = new ExportServiceFixtureOver(service);
        await store.StoreAsync(Completion(NewActivity()));
        var batch = (await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipients.ParsActivities })).Batch;
        string[] recipients = [Recipients.ParsLearners, Recipients.ParsActivities, Recipients.EaccmeEvents, JointProvider];

        await using var owner = new NpgsqlConnection(service.PostgresConnectionString);
        await owner.OpenAsync();
        await using var transaction = await owner.BeginTransactionAsync();
        await using (var fill = new NpgsqlCommand(
            """
            INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, first_line, line_count)
            SELECT r, c, @add, @batch, 1, 1 FROM unnest(@recipients) r, generate_series(1000, 25999) c;
            ANALYZE accreditation.export_lines
            """,
            owner,
            transaction))
        {
            fill.Parameters.AddWithValue("add", ExportLine.Add);
            fill.Parameters.AddWithValue("batch", batch.Id);
            fill.Parameters.AddWithValue("recipients", recipients);
            await fill.ExecuteNonQueryAsync();
        }

        // The statement the purge runs, with what a chunk passes: every recipient, the chunk's completions.
        await using var explain = new NpgsqlCommand("EXPLAIN " + VerificationRecords.DeleteExportLines, owner, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = recipients },
                new NpgsqlParameter { Value = Enumerable.Range(0, 50).Select(i => 1000L + i * 7).ToArray() },
            },
        };
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        // Both columns bound the scan: a condition on completion_id alone would read the whole key.
        var text = string.Join(Environment.NewLine, plan);
        Assert.True(
            text.Contains("pk_export_lines", StringComparison.Ordinal)
                && plan.Any(line => line.Contains("Index Cond: (((recipient)::text = ANY", StringComparison.Ordinal) && line.Contains("completion_id = ANY", StringComparison.Ordinal))
                && !text.Contains("Seq Scan", StringComparison.Ordinal),
            text);
    }
}
