using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AccreditationReporting.Bench;

/// <summary>
/// The ceiling: what the broker does with the same messages when the consumer does nothing but
/// ack. Durable fanout exchange and classic queue, persistent messages, publisher confirms, one
/// ack per message, the service's shape minus the service.
/// </summary>
internal static class RawBrokerRun
{
    private const string Name = "bench-raw";

    public static async Task<RunResult> RunAsync(BenchServers servers, BenchEvents events, BenchOptions options)
    {
        var factory = new ConnectionFactory { Uri = new Uri(servers.AmqpUri), ClientProvidedName = "bench-raw-consumer" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Name, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(Name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" });
        await channel.QueuePurgeAsync(Name);
        await channel.QueueBindAsync(Name, Name, routingKey: string.Empty);
        try
        {
            var acked = 0;
            var allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (Interlocked.Increment(ref acked) == events.Messages.Count)
                {
                    allAcked.TrySetResult();
                }
            };
            await channel.BasicQosAsync(prefetchSize: 0, options.Prefetch, global: false);
            await channel.BasicConsumeAsync(Name, autoAck: false, consumer);

            await using var publisher = await ConfirmedPublisher.ConnectAsync(servers.AmqpUri, options.Window);
            var cpu = CpuWindow.Start(servers.BrokerCpu());
            var clock = Stopwatch.StartNew();
            await publisher.PublishAllAsync(Name, events.Messages);
            var published = clock.Elapsed;

            var timeout = TimeSpan.FromSeconds(60 + (events.Messages.Count / 500.0));
            var failure = await Task.WhenAny(allAcked.Task, Task.Delay(timeout)) == allAcked.Task
                ? null
                : $"timed out with {Volatile.Read(ref acked)} of {events.Messages.Count} acked";
            var total = clock.Elapsed;
            return new RunResult("raw broker (persistent, confirms)", events.Messages.Count, events.Messages.Count, published, total, cpu.Stop(), failure);
        }
        finally
        {
            await channel.QueueDeleteAsync(Name);
            await channel.ExchangeDeleteAsync(Name);
        }
    }
}
