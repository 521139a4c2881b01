using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Watches the real bus for messages it finished receiving (after their batch was stored and they
/// were acknowledged), so a test can wait until the service handled every copy it was sent:
/// duplicates leave no trace in the database to wait on.
/// </summary>
public sealed class ConsumedMessages : IReceiveObserver
{
    private readonly ConcurrentQueue<(Guid? EventId, bool Faulted)> _finished = new();

    public int Count(Guid eventId) => _finished.Count(f => f.EventId == eventId);

    /// <summary>Messages this instance finished, whatever they held: which share of a queue it took.</summary>
    public int Total => _finished.Count;

    public int Faults(Guid eventId) => _finished.Count(f => f.EventId == eventId && f.Faulted);

    public Task WaitForAsync(Guid eventId, int times, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Task.FromResult(Count(eventId) >= times), timeout, $"event {eventId} consumed {times} time(s)");

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        _finished.Enqueue((EventId(context), false));
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class =>
        Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        _finished.Enqueue((EventId(context), true));
        return Task.CompletedTask;
    }

    /// <summary>The eventId of a raw JSON event or of a MassTransit envelope's message.</summary>
    private static Guid? EventId(ReceiveContext context)
    {
        try
        {
            using var document = JsonDocument.Parse(context.Body.GetBytes());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var message = root.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
            return message.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String && id.TryGetGuid(out var eventId) ? eventId : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
