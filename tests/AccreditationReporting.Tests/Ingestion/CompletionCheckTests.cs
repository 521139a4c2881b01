using System.Text.Json;
using AccreditationReporting.Contracts;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class CompletionCheckTests
{
    [Fact]
    public void UnknownSchemaVersionIsRejectedWithItsOwnCode()
    {
        var (_, _, json) = SampleEvents.Fresh(e => e["schemaVersion"] = 2);

        var rejected = Assert.Throws<CompletionRejectedException>(() => CompletionCheck.Accept(json.ToMessage(), DateTimeOffset.UnixEpoch));

        var rejection = Assert.Single(rejected.Rejections);
        Assert.Equal((RuleCodes.UnsupportedSchemaVersion, "schemaVersion"), (rejection.Code, rejection.Field));
    }

    [Fact]
    public void EveryProblemIsNamedNotJustTheFirst()
    {
        var (_, _, json) = SampleEvents.Fresh(e =>
        {
            e.Remove("eventId");
            e["learner"]!["profession"] = "nurse";
            e["claims"]![0]!["creditType"] = "ama-pra-category-2";
        });

        var rejected = Assert.Throws<CompletionRejectedException>(() => CompletionCheck.Accept(json.ToMessage(), DateTimeOffset.UnixEpoch));

        Assert.Equal(
            ["eventId", "learner.profession", "claims[0].creditType"],
            rejected.Rejections.Select(r => r.Field));
    }

    [Fact]
    public void RejectionNeverRepeatsPersonalData()
    {
        var (_, _, json) = SampleEvents.Fresh(e =>
        {
            e["learner"]!["learnerId"] = "has\ncontrol";
            e["learner"]!["profession"] = "Jane Doe's profession";
        });

        var rejected = Assert.Throws<CompletionRejectedException>(() => CompletionCheck.Accept(json.ToMessage(), DateTimeOffset.UnixEpoch));

        Assert.DoesNotContain("Jane", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("has\ncontrol", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("malformed-id at learner.learnerId", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptedEventKeepsThePolicyVersionItWasCollectedUnder()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        var receivedAt = new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

        var accepted = CompletionCheck.Accept(json.ToMessage(), receivedAt);

        Assert.Equal(eventId, accepted.Completion.EventId);
        Assert.Equal(learnerId, accepted.Learner.LearnerId);
        Assert.Equal("mayo-cme-2018-06-15", accepted.Completion.PolicyVersion);
        Assert.Equal(receivedAt, accepted.Completion.ReceivedAt);
        Assert.True(accepted.Completion.BoardReportingConsent);
        Assert.False(accepted.Completion.StateBoardReportingConsent);
    }
}
