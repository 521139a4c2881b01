using RabbitMQ.Client;

namespace AccreditationReporting.Bench;

/// <summary>
/// Publishes as a production publisher should: persistent JSON with publisher confirms, on its own
/// connection, keeping a bounded number of publishes awaiting their confirm. The raw and the
/// end-to-end runs both publish through this, so they differ only in what consumes.
/// </summary>
internal sealed class ConfirmedPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly int _window;

    private ConfirmedPublisher(IConnection connection, IChannel channel, int window)
    {
        _connection = connection;
        _channel = channel;
        _window = window;
    }

    public static async Task<ConfirmedPublisher> ConnectAsync(string amqpUri, int window)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri), ClientProvidedName = "bench-publisher" }.CreateConnectionAsync();

        // The client's default limiter allows 128 outstanding confirms and sleeps up to a second once
        // half are taken, which would measure the limiter rather than the broker: allow the whole
        // window and never throttle (a 0% threshold).
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(window, throttlingPercentage: 0)));
        return new ConfirmedPublisher(connection, channel, window);
    }

    /// <summary>Publishes awaiting their confirm at any one time.</summary>
    public int Window => _window;

    /// <summary>Returns once the broker has confirmed every message.</summary>
    public async Task PublishAllAsync(string exchange, IReadOnlyList<ReadOnlyMemory<byte>> bodies)
    {
        // Confirms arrive in publish order, so awaiting the oldest publish keeps a sliding window.
        var awaitingConfirm = new Queue<ValueTask>(_window);
        foreach (var body in bodies)
        {
            if (awaitingConfirm.Count == _window)
            {
                await awaitingConfirm.Dequeue();
            }

            awaitingConfirm.Enqueue(PublishAsync(exchange, body));
        }

        while (awaitingConfirm.Count > 0)
        {
            await awaitingConfirm.Dequeue();
        }
    }

    /// <summary>Publishes one message; the task completes when the broker confirms it (and throws if it refuses it).</summary>
    public ValueTask PublishAsync(string exchange, ReadOnlyMemory<byte> body)
    {
        // A fresh properties object each time: with confirm tracking the client writes a
        // sequence-number header into it.
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        return _channel.BasicPublishAsync(exchange, routingKey: string.Empty, mandatory: true, properties, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
