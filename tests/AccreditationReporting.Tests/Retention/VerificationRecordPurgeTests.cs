using System.Globalization;
using System.Text.Json.Nodes;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using AccreditationReporting.Privacy;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Retention;

/// <summary>A verification record is kept 6 years from its activity's end date, and goes the day after, with all that only it kept.</summary>
public sealed class VerificationRecordPurgeTests
{
    [Fact]
    public async Task CompletionsAwardsLinesAndProfilesGoSixYearsAfterTheActivityEndedAndNotADayBefore()
    {
        var now = Purges.TodayAtNoon;
        var sixYearsAgo = DateOnly.FromDateTime(now.UtcDateTime).AddYears(-6);
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var store = new ExportServiceFixtureOver(service);
        var expired = NewActivity();
        var dayYounger = NewActivity();
        var recent = NewActivity();

        // L1 took the expired activity twice (the re-take supersedes the first, and a new last name
        // revises the profile); L2 took it and a recent one under another policy; L3 took one that
        // ended a day later.
        var first = Purges.EndedOn(Completion(expired), sixYearsAgo, hour: 9);
        var l1 = LearnerId(first);
        var retake = Purges.EndedOn(Completion(expired, change: e => { Same(e, l1); e["learner"]!["lastName"] = "Doe-Smith"; }), sixYearsAgo, hour: 10);
        var l2Expired = Purges.EndedOn(Completion(expired), sixYearsAgo, hour: 11);
        var l2 = LearnerId(l2Expired);
        var l2Recent = Completion(recent, PolicyVersions.Ismrm, e => Same(e, l2));
        var l3 = Purges.EndedOn(Completion(dayYounger), sixYearsAgo.AddDays(1), hour: 9);
        await store.StoreAsync(first, l2Expired, l2Recent, l3);
        await store.StoreAsync(retake);
        await store.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipients.ParsActivities });

        var db = service.Database;
        var l1Key = await db.ScalarAsync<long>("SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", l1));
        var gone = await db.ColumnAsync<long>(
            "SELECT id FROM accreditation.completions WHERE event_id = ANY(@ids)", ("ids", EventIds(first, retake, l2Expired)));
        Assert.Equal(3, gone.Count);
        Assert.True(await Count(db, "SELECT count(*) FROM accreditation.export_lines WHERE completion_id = ANY(@ids)", gone) > 0);
        Assert.Equal(1, await Count(db, "SELECT count(*) FROM accreditation.profile_revisions WHERE learner_key = ANY(@ids)", [l1Key]));

        var clock = new FakeTimeProvider(now);
        var onTheDay = await Purges.RunAsync(service, clock);
        Assert.NotNull(onTheDay);
        Assert.Equal(0, onTheDay.Records.Completions);
        Assert.Equal(5L, await db.ScalarAsync<long>("SELECT count(*) FROM accreditation.completions"));

        clock.Advance(TimeSpan.FromDays(1));
        var dayAfter = await Purges.RunAsync(service, clock);
        Assert.NotNull(dayAfter);
        Assert.Equal((1, 3, 2, 1), (dayAfter.Records.Learners, dayAfter.Records.Completions, dayAfter.Records.LearnerProfiles, dayAfter.Records.ProfileRevisions));
        Assert.True(dayAfter.Records.CreditAwards >= 3);
        Assert.True(dayAfter.Records.ExportLines >= 1);

        Assert.Equal(
            EventIds(l2Recent, l3).Order().ToList(),
            (await db.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions")).Order().ToList());
        foreach (var table in new[] { "credit_awards", "export_lines" })
        {
            Assert.Equal(0, await Count(db, $"SELECT count(*) FROM accreditation.{table} WHERE completion_id = ANY(@ids)", gone));
        }

        Assert.Equal(0, await Count(db, "SELECT count(*) FROM accreditation.learners WHERE id = ANY(@ids)", [l1Key]));
        Assert.Equal(0, await Count(db, "SELECT count(*) FROM accreditation.learner_profiles WHERE learner_key = ANY(@ids)", [l1Key]));
        Assert.Equal(0, await Count(db, "SELECT count(*) FROM accreditation.profile_revisions WHERE learner_key = ANY(@ids)", [l1Key]));
        Assert.Equal(
            [PolicyVersions.Ismrm],
            await db.ColumnAsync<string>(
                "SELECT p.policy_version FROM accreditation.learner_profiles p JOIN accreditation.learners l ON l.id = p.learner_key WHERE l.learner_id = @id",
                ("id", l2)));
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.learner_profiles p JOIN accreditation.learners l ON l.id = p.learner_key WHERE l.learner_id = @id",
            ("id", LearnerId(l3))));

        var missing = await Assert.ThrowsAsync<RpcException>(
            () => service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = l1 }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        // The run is in the trail with what it deleted, counts only: one chunk, as the learners were
        // fewer than Retention:ChunkLearners.
        var entry = await db.ScalarAsync<string>(
            """
            SELECT actor_subject || ' ' || (details->>'completions') || ' ' || (details->>'learners') || ' ' || (details->>'activities_ended_before')
            FROM accreditation.audit_events WHERE action = 'retention.purge' AND details->>'part' = 'verification-records'
            """);
        Assert.Equal($"service:retention-purge 3 1 {sixYearsAgo.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", entry);
    }

    private static void Same(JsonObject e, string learnerId) => e["learner"]!["learnerId"] = learnerId;

    private static Guid[] EventIds(params JsonObject[] events) => events.Select(e => Guid.Parse(EventId(e))).ToArray();

    private static Task<long> Count(ServiceDatabase db, string sql, IReadOnlyList<long> ids) => db.ScalarAsync<long>(sql, ("ids", ids.ToArray()));
}
