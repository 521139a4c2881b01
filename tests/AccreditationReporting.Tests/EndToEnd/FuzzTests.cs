using System.Text;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Health.V1;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// Ten thousand malformed messages mixed with valid events and duplicates, through the real broker:
/// the service keeps running, every malformed message is recorded with the rule it breaks, and
/// every valid event is stored exactly once.
/// </summary>
public sealed class FuzzTests
{
    private const int Malformed = 10_000;
    private const int Valid = 2_000;

    [Fact]
    public async Task MalformedMessagesAreRecordedWithTheirRuleAndValidOnesStoredOnce()
    {
        await using var service = await ReportingService.StartAsync();
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);
        var generator = new MalformedEvents(seed: 20261122);
        var random = new Random(7);

        var malformed = Enumerable.Range(0, Malformed).Select(_ => (Message: generator.Next(), MessageId: Guid.NewGuid())).ToList();
        var valid = Enumerable.Range(0, Valid).Select(_ => SampleEvents.Fresh()).ToList();
        var messages = malformed.Select(m => (m.Message.Body, m.MessageId))
            .Concat(valid.Select(v => (Encoding.UTF8.GetBytes(v.Json.ToJson()), Guid.NewGuid())))
            .Concat(valid.Take(Valid / 10).Select(v => (Encoding.UTF8.GetBytes(v.Json.ToJson()), Guid.NewGuid())))
            .OrderBy(_ => random.Next())
            .ToList();

        await publisher.PublishManyAsync(service.EndpointName, messages);

        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.rejected_events") >= Malformed
                && await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.processed_events") >= Valid,
            TimeSpan.FromMinutes(4),
            "every message stored or recorded as rejected");

        var recorded = (await service.Database.ColumnAsync<string>(
                "SELECT message_id::text || ' ' || string_agg(v->>'code', ',') FROM accreditation.rejected_events, jsonb_array_elements(violations) v GROUP BY message_id"))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => Guid.Parse(parts[0]), parts => parts[1].Split(','));
        var missed = malformed
            .Where(m => !recorded.TryGetValue(m.MessageId, out var codes) || !codes.Contains(m.Message.Rule))
            .Select(m => $"{m.Message.Rule}: {(recorded.TryGetValue(m.MessageId, out var codes) ? string.Join(",", codes) : "not recorded")}")
            .ToList();
        Assert.True(missed.Count == 0, $"{missed.Count} malformed messages not recorded with their rule, e.g. {string.Join("; ", missed.Take(5))}");
        Assert.Equal(Malformed, recorded.Count);

        var stored = await service.Database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions");
        Assert.Equal(valid.Select(v => v.EventId).Order(), stored.Order());

        var health = await new Health.HealthClient(service.CreateChannel()).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}
