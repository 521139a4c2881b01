using System.Collections.Concurrent;
using AccreditationReporting.Contracts;
using MassTransit;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Watches the real bus for finished CourseCompleted consumes, so a test can wait until the service
/// has handled every copy it was sent rather than sleeping.
/// </summary>
public sealed class ConsumedMessages : IConsumeObserver
{
    private readonly ConcurrentQueue<(Guid? EventId, bool Faulted)> _finished = new();

    public int Count(Guid eventId) => _finished.Count(f => f.EventId == eventId);

    public int Faults(Guid eventId) => _finished.Count(f => f.EventId == eventId && f.Faulted);

    public async Task WaitForAsync(Guid eventId, int times, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Count(eventId) >= times), timeout, $"event {eventId} consumed {times} time(s)");
    }

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        Record(context.Message, faulted: false);
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
    {
        Record(context.Message, faulted: true);
        return Task.CompletedTask;
    }

    private void Record(object message, bool faulted)
    {
        if (message is CourseCompleted completed)
        {
            _finished.Enqueue((completed.EventId, faulted));
        }
    }
}
