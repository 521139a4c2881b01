using System.Globalization;
using System.Security.Cryptography;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// Push delivery to a recipient's endpoint through the Polly pipeline (timeout, retry with
/// back-off, circuit breaker), against a real HTTP server on a loopback port.
/// </summary>
public sealed class DeliveryTests
{
    private const string Recipient = "joint-provider/cme-consultants";

    /// <summary>A joint provider's delivery sits with its other settings.</summary>
    private const string Settings = "JointProviders:cme-consultants:Delivery";
    private const string Token = "delivery-token-for-tests";

    [Fact]
    public async Task ABatchIsPushedAgainWithBackOffUntilTheEndpointTakesItAndLaterBatchesWaitTheirTurn()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(503, 503, 200);
        await using var service = await StartAsync(endpoint, new() { ["FirstRetryDelay"] = "00:00:00.3" });
        var exports = new ExportServiceFixtureOver(service);
        await exports.StoreAsync(Completion(NewActivity()), Completion(NewActivity()));
        var first = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;
        Assert.Equal("Pending", first.Delivery.Status);
        await exports.StoreAsync(Completion(NewActivity()));
        var second = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;

        var delivered = await DeliveredAsync(exports, first.Id);
        Assert.Equal(3, delivered.Delivery.Attempts);
        Assert.Equal("HTTP 503", delivered.Delivery.LastError);
        Assert.Equal(endpoint.Url.ToString(), delivered.Delivery.DeliveredTo);
        var secondDelivered = await DeliveredAsync(exports, second.Id);
        Assert.Equal(1, secondDelivered.Delivery.Attempts);

        var received = endpoint.Received;
        Assert.Equal([first.Id, first.Id, first.Id, second.Id], received.Select(r => long.Parse(r.Headers["X-Export-Batch-Id"], CultureInfo.InvariantCulture)));

        // Exponential: 0.3 s before the second attempt, 0.6 s before the third.
        Assert.True(received[1].StartedAt - received[0].StartedAt >= TimeSpan.FromMilliseconds(280), "first back-off");
        Assert.True(received[2].StartedAt - received[1].StartedAt >= TimeSpan.FromMilliseconds(580), "second back-off");

        var downloaded = await exports.DownloadAsync(first.Id);
        var push = received[2];
        Assert.Equal(downloaded.Bytes, push.Body);
        Assert.Equal(first.Manifest.Sha256, Convert.ToHexStringLower(SHA256.HashData(push.Body)));
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(push.Body))}:", push.Headers["Content-Digest"]);
        Assert.Equal("text/csv; charset=utf-8", push.Headers["Content-Type"]);
        Assert.Equal($"Bearer {Token}", push.Headers["Authorization"]);
        Assert.Contains(first.Manifest.FileName, push.Headers["Content-Disposition"]);
        Assert.Equal(first.Manifest.RowCount.ToString(CultureInfo.InvariantCulture), push.Headers["X-Export-Row-Count"]);
        Assert.Single(received.Take(3).Select(r => r.Headers["Idempotency-Key"]).Distinct());
        Assert.NotEqual(received[0].Headers["Idempotency-Key"], received[3].Headers["Idempotency-Key"]);

        // Every attempt is in the audit trail, with what came back and the file it carried.
        var attempts = await service.Database.ColumnAsync<string>(
            """
            SELECT target || ' ' || outcome || ' ' || (details->>'result') || ' ' || (details->>'endpoint') || ' ' || sha256
            FROM accreditation.audit_events WHERE action = 'delivery.push' AND actor_subject = 'service:export-delivery' ORDER BY id
            """);
        var url = endpoint.Url.GetLeftPart(UriPartial.Path);
        Assert.Equal(
            [
                $"batch:{first.Id} failed HTTP 503 {url} {first.Manifest.Sha256}",
                $"batch:{first.Id} failed HTTP 503 {url} {first.Manifest.Sha256}",
                $"batch:{first.Id} ok HTTP 200 {url} {first.Manifest.Sha256}",
            ],
            attempts.Take(3));
        Assert.Equal($"batch:{second.Id} ok HTTP 200 {url} {second.Manifest.Sha256}", attempts[3]);
    }

    [Fact]
    public async Task ARefusalARetryWouldNotChangeFailsTheBatchAtOnceAndKeepsNoneOfTheAnswersBody()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync((attempt, _) => Task.FromResult(
            attempt == 1 ? new RecipientEndpoint.Answer(400, "row 2: learner Jane Canary has no licence") : new RecipientEndpoint.Answer(202)));
        await using var service = await StartAsync(endpoint);
        var exports = new ExportServiceFixtureOver(service);
        await exports.StoreAsync(Completion(NewActivity()));
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;

        var failed = await StatusAsync(exports, batch.Id, "Failed");
        Assert.Equal(1, failed.Delivery.Attempts);
        Assert.Equal("HTTP 400", failed.Delivery.LastError);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(endpoint.Received);
        var stored = await service.Database.ScalarAsync<string>(
            "SELECT last_delivery_error FROM accreditation.export_batches WHERE id = @id", ("id", batch.Id));
        Assert.DoesNotContain("Canary", stored);

        var queued = await exports.Exports.RetryDeliveryAsync(new RetryDeliveryRequest { BatchId = batch.Id });
        Assert.NotEqual("Failed", queued.Delivery.Status); // Pending, or already Delivered by the next pass
        var delivered = await DeliveredAsync(exports, batch.Id);
        Assert.Equal(2, delivered.Delivery.Attempts);
        Assert.Equal(2, endpoint.Received.Count);
        Assert.Equal($"batch:{batch.Id} ok", await service.Database.ScalarAsync<string>(
            "SELECT target || ' ' || outcome FROM accreditation.audit_events WHERE action = 'delivery.retry' AND actor_subject LIKE 'tester-%'"));

        var again = await Assert.ThrowsAsync<RpcException>(() => exports.Exports.RetryDeliveryAsync(new RetryDeliveryRequest { BatchId = batch.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task AfterRepeatedFailuresTheCircuitOpensAndTheBatchWaitsForALaterRun()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(503);
        await using var service = await StartAsync(endpoint, new()
        {
            ["Retries"] = "10", ["BreakMinimumThroughput"] = "3", ["BreakFailureRatio"] = "1", ["BreakDuration"] = "00:02:00",
            ["RetryLater"] = "00:10:00",
        });
        var exports = new ExportServiceFixtureOver(service);
        await exports.StoreAsync(Completion(NewActivity()));
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;

        var waiting = await UntilAsync(exports, batch.Id, b => b.Delivery.LastError.StartsWith("circuit open", StringComparison.Ordinal), "the circuit to open");
        Assert.Equal("Pending", waiting.Delivery.Status);
        Assert.Equal(3, waiting.Delivery.Attempts);
        Assert.True(waiting.Delivery.NextAttemptAt.ToDateTimeOffset() > DateTimeOffset.UtcNow + TimeSpan.FromMinutes(9), "the next run waits RetryLater");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(3, endpoint.Received.Count);
    }

    [Fact]
    public async Task AnAttemptWithNoAnswerInTimeIsAbandonedAndTriedAgain()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(async (attempt, aborted) =>
        {
            if (attempt == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), aborted);
            }

            return new RecipientEndpoint.Answer(200);
        });
        // Long enough that the second attempt (a snapshot, the file, the round trip) is answered in time on a loaded machine.
        await using var service = await StartAsync(endpoint, new() { ["AttemptTimeout"] = "00:00:10" });
        var exports = new ExportServiceFixtureOver(service);
        await exports.StoreAsync(Completion(NewActivity()));
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;

        var delivered = await DeliveredAsync(exports, batch.Id);
        Assert.Equal(2, delivered.Delivery.Attempts);
        Assert.Equal("no answer within 10 s", delivered.Delivery.LastError);
    }

    [Fact]
    public async Task TwoInstancesPushEachBatchOnce()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(200);
        await using var first = await StartAsync(endpoint);
        await using var second = await StartAsync(endpoint, postgres: first.PostgresConnectionString);
        var exports = new ExportServiceFixtureOver(first);
        var batches = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            await exports.StoreAsync(Completion(NewActivity()));
            batches.Add((await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch.Id);
        }

        foreach (var id in batches)
        {
            await DeliveredAsync(exports, id);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(batches, endpoint.Received.Select(r => long.Parse(r.Headers["X-Export-Batch-Id"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ABatchForARecipientWithoutAnEndpointIsNotPushedAndCannotBeQueued()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(200);
        await using var service = await StartAsync(endpoint);
        var exports = new ExportServiceFixtureOver(service);
        await exports.StoreAsync(Completion(NewActivity()));
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" })).Batch;

        Assert.Equal("NotConfigured", batch.Delivery.Status);
        var error = await Assert.ThrowsAsync<RpcException>(() => exports.Exports.RetryDeliveryAsync(new RetryDeliveryRequest { BatchId = batch.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Empty(endpoint.Received);
    }

    [Theory]
    [InlineData("http://example.org/inbox", "must be an absolute https URL")]
    [InlineData("https://user:secret@example.org/inbox", "must not carry credentials")]
    [InlineData("inbox", "must be an absolute https URL")]
    public async Task AnEndpointThatIsNotHttpsOrCarriesCredentialsStopsTheStart(string url, string reason)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { [$"{Settings}:Endpoint"] = url }));
        Assert.Contains($"{Settings}:Endpoint {reason}", error.ToString());
        Assert.DoesNotContain("secret", error.ToString());
    }

    [Fact]
    public async Task AnEndpointForAnUnknownRecipientStopsTheStart()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["Exports:Delivery:accme:Endpoint"] = "https://example.org/inbox" }));
        Assert.Contains("Exports:Delivery:accme names recipient 'accme'", error.ToString());
    }

    private static Task<ReportingService> StartAsync(RecipientEndpoint endpoint, Dictionary<string, string>? settings = null, string? postgres = null)
    {
        var all = new Dictionary<string, string?>
        {
            [$"{Settings}:Endpoint"] = endpoint.Url.ToString(),
            [$"{Settings}:BearerToken"] = Token,
            [$"{Settings}:FirstRetryDelay"] = "00:00:00.05",
            [$"{Settings}:PollInterval"] = "00:00:00.2",
            [$"{Settings}:BreakMinimumThroughput"] = "20",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[$"{Settings}:{key}"] = value;
        }

        return ReportingService.StartAsync(useRabbitMq: false, settings: all, postgres: postgres);
    }

    private static Task<ExportBatch> DeliveredAsync(ExportServiceFixture exports, long batchId) => StatusAsync(exports, batchId, "Delivered");

    private static Task<ExportBatch> StatusAsync(ExportServiceFixture exports, long batchId, string status) =>
        UntilAsync(exports, batchId, b => b.Delivery.Status == status, $"batch {batchId} to be {status}");

    private static async Task<ExportBatch> UntilAsync(ExportServiceFixture exports, long batchId, Func<ExportBatch, bool> condition, string what)
    {
        ExportBatch batch = null!;
        await Eventually.TrueAsync(
            async () => condition(batch = await exports.Exports.GetBatchAsync(new GetBatchRequest { BatchId = batchId })),
            TimeSpan.FromSeconds(30),
            what);
        return batch;
    }
}
