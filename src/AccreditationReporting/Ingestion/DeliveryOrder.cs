namespace AccreditationReporting.Ingestion;

/// <summary>
/// The deliveries of one channel still being processed, oldest first, so that each is let go in the
/// order the broker delivered it. Letting one go never waits on anything but older deliveries, and
/// every delivery is eventually let go (done or failed), so the oldest always moves on.
/// </summary>
public sealed class DeliveryOrder
{
    private readonly Lock _lock = new();
    private readonly SortedSet<ulong> _pending = [];
    private readonly Dictionary<ulong, TaskCompletionSource> _waiting = [];

    public void Start(ulong deliveryTag)
    {
        lock (_lock)
        {
            _pending.Add(deliveryTag);
        }
    }

    /// <summary>Completes once every older delivery started here has been let go.</summary>
    public Task OldestAsync(ulong deliveryTag)
    {
        lock (_lock)
        {
            if (_pending.Min == deliveryTag)
            {
                return Task.CompletedTask;
            }

            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[deliveryTag] = turn;
            return turn.Task;
        }
    }

    public void LetGo(ulong deliveryTag)
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            _pending.Remove(deliveryTag);
            _waiting.Remove(deliveryTag);
            if (_pending.Count > 0 && _waiting.Remove(_pending.Min, out var turn))
            {
                next = turn;
            }
        }

        next?.TrySetResult();
    }

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }
}
