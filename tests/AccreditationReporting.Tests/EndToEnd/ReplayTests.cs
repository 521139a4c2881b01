using AccreditationReporting.Api.V1;
using V1 = AccreditationReporting.Api.V1;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// A rejected event stays visible and can be stored once its cause is fixed: here, a policy
/// version this deployment had not enabled, enabled in configuration and the service restarted.
/// </summary>
public sealed class ReplayTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> OnlyMayoCme = new() { ["Policies:Enabled:0"] = PolicyVersions.MayoCme };

    private ReportingService _service = null!;
    private RawPublisher _publisher = null!;

    public async Task InitializeAsync()
    {
        _service = await ReportingService.StartAsync(settings: OnlyMayoCme);
        _publisher = await RawPublisher.ConnectAsync(_service.RabbitMqUri!);
    }

    public async Task DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await _service.DisposeAsync();
    }

    private async Task<(Guid EventId, string LearnerId, long RejectionId)> PublishRejectedAsync()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["policyVersion"] = PolicyVersions.Medmastery);
        var messageId = await _publisher.PublishAsync(_service.EndpointName, json.ToJson());
        Assert.Equal([RuleCodes.PolicyNotEnabled], await _service.Database.WaitForRejectionAsync(messageId));
        var listed = await _service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest { EventId = eventId.ToString() });
        return (eventId, learnerId, Assert.Single(listed.RejectedEvents).Id);
    }

    private async Task RestartWithEveryPolicyEnabledAsync()
    {
        var (postgres, endpoint) = (_service.PostgresConnectionString, _service.EndpointName);
        await _service.DisposeAsync();
        _service = await ReportingService.StartAsync(postgres: postgres, endpointName: endpoint);
    }

    [Fact]
    public async Task AnEventUnderAPolicyEnabledLaterIsStoredOnReplayExactlyOnce()
    {
        var (eventId, learnerId, rejectionId) = await PublishRejectedAsync();

        await RestartWithEveryPolicyEnabledAsync();
        var replayed = await _service.IngestionClient().ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest { Ids = { rejectionId } });
        var again = await _service.IngestionClient().ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest { Ids = { rejectionId, 987654 } });

        Assert.Equal(V1.ReplayOutcome.Stored, Assert.Single(replayed.Results).Outcome);
        Assert.Equal([V1.ReplayOutcome.NotOpen, V1.ReplayOutcome.NotFound], again.Results.Select(r => r.Outcome));
        var record = await _service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId });
        Assert.Equal(eventId.ToString(), Assert.Single(record.Completions).EventId);
        Assert.Equal(PolicyVersions.Medmastery, record.Completions[0].PolicyVersion);
        var open = await _service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest());
        Assert.DoesNotContain(open.RejectedEvents, r => r.Id == rejectionId);
        var resolved = await _service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest { Status = V1.RejectionStatus.Resolved });
        Assert.Contains(resolved.RejectedEvents, r => r.Id == rejectionId && r.Replays == 1);
    }

    [Fact]
    public async Task AReplayThatStillBreaksARuleSaysWhichAndStaysOpen()
    {
        var (_, _, rejectionId) = await PublishRejectedAsync();

        var result = await _service.IngestionClient().ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest { AllOpen = true });

        var replay = Assert.Single(result.Results, r => r.Id == rejectionId);
        Assert.Equal(V1.ReplayOutcome.StillRejected, replay.Outcome);
        Assert.Equal("policy-not-enabled", Assert.Single(replay.Violations).RuleCode);
    }

    [Fact]
    public async Task ACorrectedCopyUnderTheSameEventIdResolvesTheRejection()
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(e => e["assessment"]!["score"] = 250);
        var messageId = await _publisher.PublishAsync(_service.EndpointName, json.ToJson());
        await _service.Database.WaitForRejectionAsync(messageId);

        json["assessment"]!["score"] = 88;
        await _publisher.PublishAsync(_service.EndpointName, json.ToJson());
        await _service.Database.WaitForStoredAsync(eventId);

        var resolved = await _service.IngestionClient().ListRejectedEventsAsync(
            new ListRejectedEventsRequest { EventId = eventId.ToString(), Status = V1.RejectionStatus.Any });
        Assert.Equal(V1.RejectionStatus.Resolved, Assert.Single(resolved.RejectedEvents).Status);
        Assert.Single((await _service.CompletionClient().GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId })).Completions);
    }

    [Fact]
    public async Task APayloadPastItsRetentionIsDeletedAndCannotBeReplayed()
    {
        var (_, _, rejectionId) = await PublishRejectedAsync();

        await using (var scope = _service.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
            var notYet = await RejectedPayloadRetention.PurgeAsync(db, DateTimeOffset.UtcNow.AddDays(29), TimeSpan.FromDays(30), default);
            var purged = await RejectedPayloadRetention.PurgeAsync(db, DateTimeOffset.UtcNow.AddDays(31), TimeSpan.FromDays(30), default);
            Assert.Equal(0, notYet);
            Assert.True(purged >= 1);
            Assert.Null(await db.RejectedEvents.Where(r => r.Id == rejectionId).Select(r => r.Payload).SingleAsync());
        }

        var listed = await _service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest());
        var rejected = Assert.Single(listed.RejectedEvents, r => r.Id == rejectionId);
        Assert.False(rejected.PayloadRetained);
        Assert.Equal("policy-not-enabled", rejected.Violations[0].RuleCode);
        var replay = await _service.IngestionClient().ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest { Ids = { rejectionId } });
        Assert.Equal(V1.ReplayOutcome.PayloadExpired, Assert.Single(replay.Results).Outcome);
    }

    [Fact]
    public async Task RejectionsArePagedInOrderOfArrival()
    {
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await PublishRejectedAsync()).RejectionId);
        }

        var client = _service.IngestionClient();
        var first = await client.ListRejectedEventsAsync(new ListRejectedEventsRequest { PageSize = 2, RuleCode = "policy-not-enabled" });
        var second = await client.ListRejectedEventsAsync(new ListRejectedEventsRequest { PageSize = 2, RuleCode = "policy-not-enabled", PageToken = first.NextPageToken });

        Assert.Equal(ids, first.RejectedEvents.Concat(second.RejectedEvents).Select(r => r.Id));
        Assert.Equal("", second.NextPageToken);
    }

    [Theory]
    [InlineData("page_token", "not-a-token", 0, "")]
    [InlineData("page_size", "", 5000, "")]
    [InlineData("event_id", "", 0, "not-a-uuid")]
    public async Task ABadListRequestNamesTheField(string field, string pageToken, int pageSize, string eventId)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _service.IngestionClient().ListRejectedEventsAsync(
            new ListRejectedEventsRequest { PageToken = pageToken, PageSize = pageSize, EventId = eventId }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, Assert.Single(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task AReplayRequestNeedsIdsOrAllOpen()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _service.IngestionClient().ReplayRejectedEventsAsync(new ReplayRejectedEventsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task AMassTransitEnvelopeIsReplayedFromTheEventInsideIt()
    {
        var (eventId, _, json) = SampleEvents.Fresh(e => e["policyVersion"] = PolicyVersions.Ismrm);
        await _service.Services.GetRequiredService<IBus>().Publish(json.ToMessage());
        await Eventually.TrueAsync(async () => await _service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.rejected_events WHERE event_id = @id", ("id", eventId)) == 1);
        var listed = await _service.IngestionClient().ListRejectedEventsAsync(new ListRejectedEventsRequest { EventId = eventId.ToString() });

        var replay = await _service.IngestionClient().ReplayRejectedEventsAsync(
            new ReplayRejectedEventsRequest { Ids = { Assert.Single(listed.RejectedEvents).Id } });

        // Read as the event inside the envelope, it breaks the same rule again (not "not-an-event").
        var result = Assert.Single(replay.Results);
        Assert.Equal(V1.ReplayOutcome.StillRejected, result.Outcome);
        Assert.Equal("policy-not-enabled", Assert.Single(result.Violations).RuleCode);
    }
}

public sealed class PolicyConfigurationTests
{
    [Fact]
    public async Task EnablingAPolicyVersionTheServiceDoesNotShipStopsTheStart()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["Policies:Enabled:0"] = "acme-2020-01-01" }));

        Assert.Contains("Policies:Enabled", error.ToString(), StringComparison.Ordinal);
    }
}
