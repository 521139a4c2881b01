using System.Text;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Publishes as a non-.NET platform would: plain RabbitMQ.Client, JSON body, content type
/// application/json, persistent, with publisher confirms. No MassTransit involved.
/// </summary>
public sealed class RawPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RawPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<RawPublisher> ConnectAsync(string amqpUri)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return new RawPublisher(connection, channel);
    }

    public IChannel Channel => _channel;

    /// <summary>Publishes one message and waits for the broker's confirm; returns its message ID.</summary>
    public async Task<Guid> PublishAsync(string exchange, string body, string contentType = "application/json")
    {
        var messageId = Guid.NewGuid();
        await PublishAsync(exchange, Encoding.UTF8.GetBytes(body), messageId, contentType);
        return messageId;
    }

    public ValueTask PublishAsync(string exchange, ReadOnlyMemory<byte> body, Guid messageId, string contentType = "application/json")
    {
        var properties = new BasicProperties
        {
            ContentType = contentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId.ToString(),
        };
        return _channel.BasicPublishAsync(exchange, routingKey: string.Empty, mandatory: true, properties, body);
    }

    /// <summary>Many messages with up to <paramref name="window"/> confirms outstanding, as a busy publisher sends them.</summary>
    public async Task PublishManyAsync(string exchange, IEnumerable<(byte[] Body, Guid MessageId)> messages, int window = 200)
    {
        var pending = new List<Task>(window);
        foreach (var (body, messageId) in messages)
        {
            pending.Add(PublishAsync(exchange, body, messageId).AsTask());
            if (pending.Count == window)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
