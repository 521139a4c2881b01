using System.Text;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Ingestion;

/// <summary>What no recipient may have is not kept: email never, birth year only inside a rejected event kept for replay.</summary>
public sealed class MinimisedIngestionTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task ARejectedEventsKeptPayloadHasNoEmailAndNamesItsLearner()
    {
        // Under 16 on the completion date: rejected, kept for replay.
        var (eventId, learnerId, json) = SampleEvents.Fresh(e =>
        {
            e["learner"]!["birthYear"] = 2015;
            e["learner"]!["email"] = "child-canary@example.org";
        });
        var messageId = NewId.NextGuid();
        await fixture.Service.Services.GetRequiredService<IBus>().Publish(json.ToMessage(), c => c.MessageId = messageId);
        Assert.Contains("under-age", await fixture.Service.Database.WaitForRejectionAsync(messageId));

        var kept = await fixture.Service.Database.ScalarAsync<byte[]>(
            "SELECT payload FROM accreditation.rejected_events WHERE message_id = @id", ("id", messageId));
        var text = Encoding.UTF8.GetString(kept);
        Assert.DoesNotContain("child-canary", text, StringComparison.Ordinal);
        Assert.Contains(eventId.ToString(), text, StringComparison.Ordinal);
        Assert.Contains("2015", text, StringComparison.Ordinal);
        Assert.Equal(learnerId, await fixture.Service.Database.ScalarAsync<string>(
            "SELECT learner_id FROM accreditation.rejected_events WHERE message_id = @id", ("id", messageId)));
    }
}

/// <summary>The kept payload with only what the service reads (no email, no unknown field), whatever shape the JSON takes.</summary>
public sealed class RejectedPayloadMinimisationTests
{
    [Theory]
    [InlineData("""{"learner":{"learnerId":"a","email":"x@example.org","birthYear":2015}}""", """{"learner":{"learnerId":"a","birthYear":2015}}""")]
    [InlineData("""{"message":{"learner":{"Email":{"nested":"x@example.org"},"learnerId":"a"}}}""", """{"message":{"learner":{"learnerId":"a"}}}""")]
    [InlineData("""{"learner":{"email":"x@example.org","email":"y@example.org","learnerId":"a"}}""", """{"learner":{"learnerId":"a"}}""")]
    [InlineData("""{"learner":{"learnerId":"a",/* note */"email":"x@example.org",},}""", """{"learner":{"learnerId":"a"}}""")]
    [InlineData(
        """{"eventId":"e","quizAnswers":["B","D"],"claims":[{"creditType":"moc","secret":1},{"amount":2}],"learner":{"learnerId":"a","shoeSize":44}}""",
        """{"eventId":"e","claims":[{"creditType":"moc"},{"amount":2}],"learner":{"learnerId":"a"}}""")]
    [InlineData(
        """{"messageId":"m","headers":{"h":1},"message":{"eventId":"e","quizAnswers":["B"],"learner":{"learnerId":"a","birthYear":2015,"boards":[{"board":"ABIM","note":"x"}]}}}""",
        """{"messageId":"m","headers":{"h":1},"message":{"eventId":"e","learner":{"learnerId":"a","birthYear":2015,"boards":[{"board":"ABIM"}]}}}""")]
    public void TheEmailIsDroppedAndTheRestKept(string payload, string kept) =>
        Assert.Equal(kept, Encoding.UTF8.GetString(AccreditationReporting.Ingestion.RejectedPayloads.Minimised(Encoding.UTF8.GetBytes(payload))));

    [Fact]
    public void APayloadThatIsNotJsonIsKeptAsItCame()
    {
        var payload = Encoding.UTF8.GetBytes("not json, email x@example.org");
        Assert.Equal(payload, AccreditationReporting.Ingestion.RejectedPayloads.Minimised(payload));
    }
}
