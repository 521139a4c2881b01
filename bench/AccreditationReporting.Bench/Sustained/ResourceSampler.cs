using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>One reading of the service and its queue (times UTC).</summary>
/// <param name="QueueReady">
/// Messages waiting in the service's queue for delivery. Those delivered and not yet acknowledged
/// are not in it: the service's prefetch (2,000 by default) bounds them.
/// </param>
/// <param name="InFlight">Events published and not yet seen committed: broker, service and database together.</param>
internal readonly record struct ResourceSample(DateTime At, long RssKiB, long QueueReady, double ServiceCpuSeconds, long InFlight);

/// <summary>
/// Reads the service's resident set (VmRSS) and CPU from /proc and the queue's depth from the broker
/// (a passive declare) once a second, for as long as the run lasts.
/// </summary>
internal sealed class ResourceSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly int _servicePid;
    private readonly string _amqpUri;
    private readonly string _queue;
    private readonly LatencySampler _latency;
    private readonly CpuMeter _serviceCpu;
    private readonly List<ResourceSample> _samples = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private ResourceSampler(int servicePid, string amqpUri, string queue, LatencySampler latency)
    {
        _servicePid = servicePid;
        _amqpUri = amqpUri;
        _queue = queue;
        _latency = latency;
        _serviceCpu = CpuMeter.SingleProcess("service", servicePid);
        _sampling = SampleAsync();
    }

    public static ResourceSampler Start(int servicePid, string amqpUri, string queue, LatencySampler latency) =>
        new(servicePid, amqpUri, queue, latency);

    public IReadOnlyList<ResourceSample> Samples()
    {
        lock (_lock)
        {
            return [.. _samples];
        }
    }

    private async Task SampleAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(_amqpUri), ClientProvidedName = "bench-queue-depth" }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                long depth;
                try
                {
                    depth = (await channel.QueueDeclarePassiveAsync(_queue)).MessageCount;
                }
                catch (OperationInterruptedException)
                {
                    // The queue is not there (a failed passive declare closes the channel): record it as -1.
                    await channel.DisposeAsync();
                    channel = await connection.CreateChannelAsync();
                    depth = -1;
                }

                var sample = new ResourceSample(
                    DateTime.UtcNow,
                    ProcFs.StatusKiB(_servicePid, "VmRSS") ?? -1,
                    depth,
                    _serviceCpu.Read() ?? double.NaN,
                    _latency.PublishedCount - _latency.StoredCount);
                lock (_lock)
                {
                    _samples.Add(sample);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            await channel.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
