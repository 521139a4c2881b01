using System.Text.Json.Nodes;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.EndToEnd;

public sealed class SupersessionServiceFixture : RabbitMqServiceFixture
{
    // Small batches stored side by side, so events of one learner and activity land in concurrent transactions.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Ingestion:BatchSize"] = "4",
        ["Ingestion:ConcurrentBatches"] = "4",
    };
}

/// <summary>A re-take or a corrected claim replaces the earlier completion and keeps it as history.</summary>
public sealed class SupersessionTests(SupersessionServiceFixture fixture) : IClassFixture<SupersessionServiceFixture>
{
    private ReportingService Service => fixture.Service;

    private static (Guid EventId, JsonObject Json) Attempt(string learnerId, string occurredAt, double score, double claimed) =>
        SampleEvents.Fresh(e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["occurredAt"] = occurredAt;
            e["assessment"]!["score"] = score;
            e["claims"]![0]!["amount"] = claimed;
        }) is var (eventId, _, json) ? (eventId, json) : default;

    [Fact]
    public async Task ARetakeSupersedesTheFailedAttemptEvenWhenItArrivesFirst()
    {
        var learnerId = $"learner-{Guid.NewGuid():N}";
        var failed = Attempt(learnerId, "2026-11-20T09:00:00Z", score: 55, claimed: 7.75);
        var passed = Attempt(learnerId, "2026-11-20T11:00:00Z", score: 91, claimed: 7.75);

        await fixture.Publisher.PublishAsync(Service.EndpointName, passed.Json.ToJson());
        await Service.Database.WaitForStoredAsync(passed.EventId);
        await fixture.Publisher.PublishAsync(Service.EndpointName, failed.Json.ToJson());
        await Service.Database.WaitForStoredAsync(failed.EventId);

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var current = Assert.Single(record.Completions, c => c.Current);
        var history = Assert.Single(record.Completions, c => !c.Current);
        Assert.Equal(passed.EventId.ToString(), current.EventId);
        Assert.Equal(7.75, current.Awards[0].Awarded);
        Assert.Equal(failed.EventId.ToString(), history.EventId);
        Assert.Equal(passed.EventId.ToString(), history.SupersededByEventId);
        Assert.NotNull(history.SupersededAt);
        Assert.Equal(("assessment-not-passed", 0.0), (history.Awards[0].NotAwardedReason, history.Awards[0].Awarded));
    }

    [Fact]
    public async Task ACorrectedClaimSupersedesTheAwardAndKeepsTheChain()
    {
        var learnerId = $"learner-{Guid.NewGuid():N}";
        var first = Attempt(learnerId, "2026-11-20T09:00:00Z", score: 90, claimed: 7.75);
        var corrected = Attempt(learnerId, "2026-11-20T10:00:00Z", score: 90, claimed: 5);
        var correctedAgain = Attempt(learnerId, "2026-11-20T12:00:00Z", score: 90, claimed: 6.5);

        foreach (var attempt in new[] { first, corrected, correctedAgain })
        {
            await fixture.Publisher.PublishAsync(Service.EndpointName, attempt.Json.ToJson());
            await Service.Database.WaitForStoredAsync(attempt.EventId);
        }

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var byEvent = record.Completions.ToDictionary(c => Guid.Parse(c.EventId));
        Assert.Equal(corrected.EventId.ToString(), byEvent[first.EventId].SupersededByEventId);
        Assert.Equal(correctedAgain.EventId.ToString(), byEvent[corrected.EventId].SupersededByEventId);
        Assert.True(byEvent[correctedAgain.EventId].Current);
        Assert.Equal([7.75, 5, 6.5], new[] { first, corrected, correctedAgain }.Select(a => byEvent[a.EventId].Awards[0].Awarded));
    }

    [Fact]
    public async Task ManyAttemptsStoredInConcurrentBatchesLeaveOneCurrentAndAChainInEventTime()
    {
        var learnerId = $"learner-{Guid.NewGuid():N}";
        var start = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var attempts = Enumerable.Range(0, 60)
            .Select(i => Attempt(learnerId, start.AddMinutes((i * 37) % 60).ToString("O"), score: 80, claimed: 1 + (i % 4)))
            .ToList();

        await fixture.Publisher.PublishManyAsync(Service.EndpointName, attempts.Select(a => (System.Text.Encoding.UTF8.GetBytes(a.Json.ToJson()), Guid.NewGuid())));
        foreach (var attempt in attempts)
        {
            await Service.Database.WaitForStoredAsync(attempt.EventId);
        }

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var inEventTime = record.Completions.OrderBy(c => c.OccurredAt).ThenBy(c => c.EventId).ToList();
        Assert.Equal(60, inEventTime.Count);
        Assert.Single(inEventTime, c => c.Current);
        Assert.True(inEventTime[^1].Current);
        for (var i = 0; i < inEventTime.Count - 1; i++)
        {
            Assert.Equal(inEventTime[i + 1].EventId, inEventTime[i].SupersededByEventId);
        }
    }
}
