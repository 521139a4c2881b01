using AccreditationReporting.Api.V1;
using AccreditationReporting.Contracts;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.EndToEnd;

public sealed class RabbitMqServiceFixture : IAsyncLifetime
{
    public ReportingService Service { get; private set; } = null!;

    public RawPublisher Publisher { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await ReportingService.StartAsync(useRabbitMq: true);
        Publisher = await RawPublisher.ConnectAsync(Service.RabbitMqUri!);
    }

    private readonly List<DeadLetter> _deadLetters = [];

    /// <summary>Everything dead-lettered so far on this service's error queue, with the fault reason.</summary>
    public async Task<IReadOnlyList<DeadLetter>> DrainErrorQueueAsync()
    {
        while (await Publisher.Channel.BasicGetAsync($"{Service.EndpointName}_error", autoAck: true) is { } message)
        {
            var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
            var reason = headers.TryGetValue("MT-Fault-Message", out var value) && value is byte[] bytes
                ? System.Text.Encoding.UTF8.GetString(bytes)
                : string.Empty;
            _deadLetters.Add(new DeadLetter(System.Text.Encoding.UTF8.GetString(message.Body.Span), reason));
        }

        return _deadLetters;
    }

    public async Task DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Service.DisposeAsync();
    }
}

public sealed record DeadLetter(string Body, string Reason);

/// <summary>
/// The whole path with every real component: RabbitMQ.Client publishes raw JSON to a real broker,
/// the real service consumes it into a real PostgreSQL, and a real gRPC channel reads it back.
/// </summary>
public sealed class RabbitMqIngestionTests(RabbitMqServiceFixture fixture) : IClassFixture<RabbitMqServiceFixture>
{
    private ReportingService Service => fixture.Service;

    [Fact]
    public async Task RawJsonEventFromAPlainAmqpClientIsStoredAndReadableOverGrpc()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["someFieldFromANewerPublisher"] = "ignored");

        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await Service.Consumed.WaitForAsync(eventId, 1);

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
        Assert.Equal("mayo-cme-2018-06-15", completion.PolicyVersion);
        Assert.Collection(
            completion.Claims,
            c => Assert.Equal((CreditType.AmaPraCategory1, 7.75, ""), (c.CreditType, c.Amount, c.Board)),
            c => Assert.Equal((CreditType.Moc, 7.75, "ABIM", "Medical Knowledge"), (c.CreditType, c.Amount, c.Board, c.MocCreditType)));
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
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM accreditation.completions WHERE event_id = @id", eventId));
        Assert.Equal(2, await CountAsync("SELECT count(*) FROM accreditation.credit_claims c JOIN accreditation.completions e ON e.id = c.completion_id WHERE e.event_id = @id", eventId));
    }

    [Fact]
    public async Task EventPublishedThroughMassTransitReachesTheSameEndpoint()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        var message = json.ToMessage();

        await Service.Services.GetRequiredService<IBus>().Publish(message);
        await Service.Consumed.WaitForAsync(eventId, 1);

        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Equal(eventId.ToString(), Assert.Single(record.Completions).EventId);
    }

    [Fact]
    public async Task EventWithAnUnknownSchemaVersionIsDeadLetteredWithItsReason()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["schemaVersion"] = 2);

        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());
        await Service.Consumed.WaitForAsync(eventId, 1);

        var reason = await FaultReasonFromErrorQueueAsync(body => body.Contains(eventId.ToString(), StringComparison.Ordinal));
        Assert.Contains("unsupported-schema-version at schemaVersion", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Jane", reason, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AMessageThatIsNotJsonDoesNotBlockTheEventsBehindIt()
    {
        await fixture.Publisher.PublishAsync(Service.EndpointName, "this is { not json");
        var (eventId, learnerId, json) = SampleEvents.Fresh();
        await fixture.Publisher.PublishAsync(Service.EndpointName, json.ToJson());

        await Service.Consumed.WaitForAsync(eventId, 1);
        var record = await Service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Single(record.Completions);
        var reason = await FaultReasonFromErrorQueueAsync(body => body == "this is { not json");
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }

    private async Task<string> FaultReasonFromErrorQueueAsync(Func<string, bool> isTheMessage)
    {
        DeadLetter? found = null;
        await Eventually.TrueAsync(async () =>
        {
            found = (await fixture.DrainErrorQueueAsync()).FirstOrDefault(d => isTheMessage(d.Body));
            return found is not null;
        }, what: "the message on the error queue");
        return found!.Reason;
    }

    private async Task<long> CountAsync(string sql, Guid eventId)
    {
        await using var connection = new NpgsqlConnection(Service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", eventId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
