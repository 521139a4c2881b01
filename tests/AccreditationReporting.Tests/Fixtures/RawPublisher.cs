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

    public async Task PublishAsync(string exchange, string json, string contentType = "application/json")
    {
        var properties = new BasicProperties
        {
            ContentType = contentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
        };
        await _channel.BasicPublishAsync(exchange, routingKey: string.Empty, mandatory: true, properties, Encoding.UTF8.GetBytes(json));
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
