using System.Collections.Concurrent;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// Publishes as a careful producer must when brokers fail: persistent JSON, publisher confirms, and
/// every message the broker did not confirm (a nack, a return, a connection lost before the confirm)
/// published again, on a new connection to whichever node answers, until it is. That is at least once:
/// the broker may hold a message twice, which the service must store once.
/// </summary>
public sealed class ConfirmingPublisher : IAsyncDisposable
{
    private readonly IReadOnlyList<AmqpTcpEndpoint> _nodes;
    private readonly string _exchange;
    private readonly int _window;
    private readonly ConcurrentDictionary<Guid, bool> _confirmed = new();
    private IConnection? _connection;
    private IChannel? _channel;
    private int _publishes;
    private int _reconnects;

    /// <param name="nodes">Broker nodes, tried in order on every connection.</param>
    public ConfirmingPublisher(IEnumerable<Uri> nodes, string exchange, int window = 250)
    {
        _nodes = [.. nodes.Select(uri => new AmqpTcpEndpoint(uri.Host, uri.Port))];
        _exchange = exchange;
        _window = window;
    }

    /// <summary>The name the broker lists the publisher's connection under.</summary>
    public const string ConnectionName = "fault-publisher";

    /// <summary>The node (host:port) of the current or last connection.</summary>
    public string? ConnectedTo { get; private set; }

    /// <summary>Messages the broker confirmed, by message ID.</summary>
    public IReadOnlySet<Guid> Confirmed => _confirmed.Keys.ToHashSet();

    public int ConfirmedCount => _confirmed.Count;

    /// <summary>basic.publish calls, first ones and again-after-no-confirm alike.</summary>
    public int Publishes => _publishes;

    /// <summary>Connections made after the first (a node went away).</summary>
    public int Reconnects => Math.Max(0, _reconnects - 1);

    /// <summary>Publishes every message until confirmed, a window at a time; <paramref name="perWindow"/> paces it.</summary>
    public async Task PublishAsync(IEnumerable<FaultMessage> messages, TimeSpan? perWindow = null, TimeSpan? giveUpAfter = null)
    {
        var waiting = new LinkedList<FaultMessage>(messages);
        var deadline = DateTime.UtcNow + (giveUpAfter ?? TimeSpan.FromMinutes(5));
        while (waiting.Count > 0)
        {
            var started = DateTime.UtcNow;
            var window = new List<FaultMessage>(_window);
            while (window.Count < _window && waiting.First is { } next)
            {
                window.Add(next.Value);
                waiting.RemoveFirst();
            }

            var channel = await ChannelAsync(deadline);
            var confirmed = await Task.WhenAll(window.Select(message => TryPublishAsync(channel, message)));
            var failed = window.Where((_, i) => !confirmed[i]).ToList();
            if (failed.Count > 0)
            {
                // Not confirmed is not known to be lost: publish them again, on a fresh connection.
                for (var i = failed.Count - 1; i >= 0; i--)
                {
                    waiting.AddFirst(failed[i]);
                }

                await DropConnectionAsync();
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{failed.Count} messages still unconfirmed after {giveUpAfter ?? TimeSpan.FromMinutes(5)}.");
                }

                await Task.Delay(250);
            }
            else if (perWindow is { } pace && DateTime.UtcNow - started < pace)
            {
                await Task.Delay(pace - (DateTime.UtcNow - started));
            }
        }
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync();

    private async Task<bool> TryPublishAsync(IChannel channel, FaultMessage message)
    {
        Interlocked.Increment(ref _publishes);
        try
        {
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = message.MessageId.ToString(),
            };

            // Completes on the broker's confirm; a nack or a return (no queue bound) throws.
            await channel.BasicPublishAsync(_exchange, routingKey: string.Empty, mandatory: true, properties, message.Body)
                .AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            _confirmed[message.MessageId] = true;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private async Task<IChannel> ChannelAsync(DateTime deadline)
    {
        while (_channel is not { IsOpen: true })
        {
            await DropConnectionAsync();
            try
            {
                _connection = await ConnectInOrderAsync();
                _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(
                    publisherConfirmationsEnabled: true,
                    publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(_window, throttlingPercentage: 0)));
                _reconnects++;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }

        return _channel;
    }

    /// <summary>
    /// The first node that answers, in the order given (the client's own resolver would shuffle them),
    /// so a scenario knows which node its producer is on.
    /// </summary>
    private async Task<IConnection> ConnectInOrderAsync()
    {
        var factory = new ConnectionFactory { AutomaticRecoveryEnabled = false, ClientProvidedName = ConnectionName };
        Exception? last = null;
        foreach (var node in _nodes)
        {
            try
            {
                var connection = await factory.CreateConnectionAsync([node]);
                ConnectedTo = $"{node.HostName}:{node.Port}";
                return connection;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
        }

        throw last ?? new InvalidOperationException("No broker nodes.");
    }

    private async Task DropConnectionAsync()
    {
        try
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A connection the broker already dropped has nothing left to close.
        }

        _channel = null;
        _connection = null;
    }
}
