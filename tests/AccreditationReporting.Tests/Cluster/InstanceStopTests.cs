using System.Globalization;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Cluster;

/// <summary>
/// One of two instances is stopped (a rolling update, a drained node) while the other keeps
/// running. What the stopped one had done must be on record, or the other does it again.
/// </summary>
public sealed class InstanceStopTests
{
    private const string Recipient = "joint-provider/cme-consultants";
    private const string Delivery = "JointProviders:cme-consultants:Delivery";

    [Fact]
    public async Task AnInstanceStoppedAsTheEndpointTakesItsPushRecordsTheDeliveryAndTheOtherDoesNotPushItAgain()
    {
        await using var endpoint = await RecipientEndpoint.StartAsync(200);
        var stop = new StopWhenTaken();
        var settings = new Dictionary<string, string?>
        {
            [$"{Delivery}:Endpoint"] = endpoint.Url.ToString(),
            [$"{Delivery}:PollInterval"] = "00:00:00.2",
        };
        await using var first = await ReportingService.StartAsync(useRabbitMq: false, settings: settings, services: stop.Register);
        await using var second = await ReportingService.StartAsync(
            useRabbitMq: false, settings: settings, postgres: first.PostgresConnectionString, services: stop.Register);
        var exports = new ExportServiceFixtureOver(first);
        await exports.StoreAsync(Completion(NewActivity()));
        var batch = (await exports.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;

        // Whichever instance pushes is stopped as the endpoint's 200 reaches it.
        var pushedBy = await stop.Taken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var (stopping, survivor) = pushedBy == first.Services.GetRequiredService<IHostApplicationLifetime>() ? (first, second) : (second, first);
        await stopping.DisposeAsync();
        var exportsOnSurvivor = new ExportServiceFixtureOver(survivor);
        await exportsOnSurvivor.StoreAsync(Completion(NewActivity()));
        var next = (await exportsOnSurvivor.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient })).Batch;
        await Eventually.TrueAsync(
            async () => (await exportsOnSurvivor.Exports.GetBatchAsync(new GetBatchRequest { BatchId = next.Id })).Delivery.Status == "Delivered",
            TimeSpan.FromSeconds(30),
            "the next batch delivered by the instance still running");

        Assert.Equal([batch.Id, next.Id], endpoint.Received.Select(r => long.Parse(r.Headers["X-Export-Batch-Id"], CultureInfo.InvariantCulture)));
        var delivered = await exportsOnSurvivor.Exports.GetBatchAsync(new GetBatchRequest { BatchId = batch.Id });
        Assert.Equal(("Delivered", 1), (delivered.Delivery.Status, delivered.Delivery.Attempts));
    }

    /// <summary>
    /// On each instance's delivery client: the first 2xx any of them gets is held back until the test
    /// has begun to stop that instance and the stop has reached the push (its token cancelled), the
    /// moment in which an instance stopping must still record what the endpoint answered.
    /// </summary>
    private sealed class StopWhenTaken
    {
        private int _taken;

        /// <summary>The instance (by its lifetime) whose push the endpoint took first.</summary>
        public TaskCompletionSource<IHostApplicationLifetime> Taken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Register(IServiceCollection services)
        {
            services.AddTransient(provider => new Handler(this, provider.GetRequiredService<IHostApplicationLifetime>()));
            services.AddHttpClient(BatchDeliveries.HttpClientName).AddHttpMessageHandler<Handler>();
        }

        private sealed class Handler(StopWhenTaken stop, IHostApplicationLifetime lifetime) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode && Interlocked.Exchange(ref stop._taken, 1) == 0)
                {
                    stop.Taken.SetResult(lifetime);
                    await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }

                return response;
            }
        }
    }
}
