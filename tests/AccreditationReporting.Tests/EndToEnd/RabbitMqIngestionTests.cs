using AccreditationReporting.Api.V1;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// The whole path with every real component: RabbitMQ.Client publishes raw JSON to a real broker,
/// the real service consumes it into a real PostgreSQL, and a real gRPC channel reads it back.
/// </summary>
public sealed class RabbitMqIngestionTests(RabbitMqServiceFixture fixture) : IClassFixture<RabbitMqServiceFixture>
{
    private ReportingService Service => fixture.Service;

    [Fact]
    public async Task RawJsonEventFromAPlainAmqpClientIsStoredWithItsAwardsAndReadableOverGrpc()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["someFieldFromANewerPublisher"] = "ignored");

        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await Service.Database.WaitForStoredAsync(eventId);

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        var completion = Assert.Single(record.Completions);
        Assert.Equal(eventId.ToString(), completion.EventId);
        Assert.Equal("Jane", record.FirstName);
        Assert.Equal(Profession.Physician, record.Profession);
        Assert.Equal("US", record.Country);
        Assert.Equal("ecg-basics-2026", completion.ActivityId);
        Assert.Equal("ECG Basics", completion.ActivityTitle);
        Assert.Equal(new CalendarDate { Year = 2026, Month = 11, Day = 20 }, completion.CompletedOn);
        Assert.Equal(86, completion.AssessmentScore);
        Assert.True(completion.EvaluationCompleted);
        Assert.True(completion.Current);
        Assert.Equal("mayo-cme-2018-06-15", completion.PolicyVersion);
        Assert.Collection(
            completion.Awards,
            a => Assert.Equal((CreditType.AmaPraCategory1, 7.75, 7.75, ""), (a.CreditType, a.Claimed, a.Awarded, a.NotAwardedReason)),
            a => Assert.Equal((CreditType.Moc, "ABIM", "Medical Knowledge", 7.75, ""), (a.CreditType, a.Board, a.MocCreditType, a.Awarded, a.NotAwardedReason)));
    }

    [Fact]
    public async Task SameEventPublishedTwiceIsStoredOnce()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();

        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await Service.Consumed.WaitForAsync(eventId, 2);

        Assert.Equal(0, Service.Consumed.Faults(eventId));
        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Single(record.Completions);
        Assert.Equal(1, await Service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.completions WHERE event_id = @id", ("id", eventId)));
        Assert.Equal(2, await Service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.credit_awards a JOIN accreditation.completions c ON c.id = a.completion_id WHERE c.event_id = @id",
            ("id", eventId)));
    }

    [Fact]
    public async Task EventPublishedThroughMassTransitReachesTheSameEndpoint()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();

        await Service.Services.GetRequiredService<IBus>().Publish(json.ToMessage());
        await Service.Database.WaitForStoredAsync(eventId);

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Equal(eventId.ToString(), Assert.Single(record.Completions).EventId);
    }

    [Fact]
    public async Task ARejectedEventIsRecordedWithItsRuleAndListedOverGrpcNotRetried()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["schemaVersion"] = 2);

        var messageId = await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());

        Assert.Equal([RuleCodes.UnsupportedSchemaVersion], await Service.Database.WaitForRejectionAsync(messageId));
        var listed = await Service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest { EventId = eventId.ToString() });
        var rejected = Assert.Single(listed.RejectedEvents);
        Assert.Equal(messageId.ToString(), rejected.MessageId);
        Assert.Equal(("unsupported-schema-version", "schemaVersion"), (rejected.Violations[0].RuleCode, rejected.Violations[0].Field));
        Assert.Equal(AccreditationReporting.Api.V1.RejectionStatus.Open, rejected.Status);
        Assert.True(rejected.PayloadRetained);
        Assert.Equal(1, rejected.TimesReceived);
        Assert.DoesNotContain("Jane", listed.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, Service.Consumed.Faults(eventId));
        var missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AMessageThatIsNotJsonIsRecordedAndDoesNotBlockTheEventsBehindIt()
    {
        var notJson = await fixture.Publisher.PublishAsync(Service.EndpointName, "this is { not json");
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());

        await Service.Database.WaitForStoredAsync(eventId);
        Assert.Equal([RuleCodes.MalformedJson], await Service.Database.WaitForRejectionAsync(notJson));
        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Single(record.Completions);
    }

    [Theory]
    [InlineData("[1, 2, 3]", RuleCodes.NotAnEvent)]
    [InlineData("null", RuleCodes.NotAnEvent)]
    [InlineData("{\"eventId\": \"not-a-uuid\"}", RuleCodes.WrongType)]
    [InlineData("{\"claims\": [{\"amount\": \"seven\"}]}", RuleCodes.WrongType)]
    public async Task JsonThatIsNotAnEventIsRecordedWithWhatIsWrong(string body, string rule)
    {
        var messageId = await fixture.Publisher.PublishAsync(Service.EndpointName, body);

        Assert.Equal([rule], await Service.Database.WaitForRejectionAsync(messageId));
    }

    [Fact]
    public async Task AMessageThatCannotBeReadIsRecordedOnceNotAgainAsSkipped()
    {
        var eventId = Guid.NewGuid();

        var messageId = await fixture.Publisher.PublishAsync(Service.EndpointName, $"{{\"eventId\": \"{eventId}\", \"claims\": \"seven\"}}");

        // Received to the end: the error pipe and, before the fix, the dead-letter pipe after it.
        await Service.Consumed.WaitForAsync(eventId, 1);
        Assert.Equal([RuleCodes.WrongType], await Service.Database.WaitForRejectionAsync(messageId));
        Assert.Equal(1, await Service.Database.ScalarAsync<int>(
            "SELECT times_received FROM accreditation.rejected_events WHERE message_id = @id", ("id", messageId)));
    }

    [Fact]
    public async Task AWrongTypeNamesTheFieldItIsIn()
    {
        var (_, _, json) = SampleEvents.Fresh(e => e["claims"]![0]!["amount"] = "seven");

        var messageId = await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());

        await Service.Database.WaitForRejectionAsync(messageId);
        var field = await Service.Database.ScalarAsync<string>("SELECT field FROM accreditation.rejected_events WHERE message_id = @id", ("id", messageId));
        Assert.Equal("claims[0].amount", field);
    }

    [Fact]
    public async Task ARejectedEventNeverChangesWhatWasStoredBeforeIt()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await Service.Database.WaitForStoredAsync(eventId);

        // A later event for the same learner with a new name, but invalid: nothing of it may be stored.
        var (_, _, bad) = SampleEvents.Fresh(e =>
        {
            e["learner"]!["learnerId"] = learnerId;
            e["learner"]!["firstName"] = "Changed";
            e["occurredAt"] = "2026-11-21T10:00:00Z";
            e["assessment"]!["score"] = 101;
        });
        var messageId = await fixture.Publisher.PublishAsync(Service.EndpointName, bad.ToJson());

        Assert.Equal([RuleCodes.OutOfRange], await Service.Database.WaitForRejectionAsync(messageId));
        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Equal("Jane", record.FirstName);
        Assert.Single(record.Completions);
    }
}
