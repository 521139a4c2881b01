using System.Collections.Concurrent;
using Npgsql;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>An event stored: which part of the run published it, and when it was published and committed (UTC).</summary>
internal readonly record struct StoredEvent(int Segment, DateTime PublishedAt, DateTime CommittedAt)
{
    public double LatencyMilliseconds => (CommittedAt - PublishedAt).TotalMilliseconds;
}

/// <summary>
/// Publish-to-commit latency per event. The publisher notes each event's ID and publish time; this
/// looks the oldest outstanding IDs up in the service's inbox (<c>processed_events</c>, written in the
/// same transaction as the event's rows) and reads the commit time of the transaction that wrote each
/// row, <c>pg_xact_commit_timestamp(xmin)</c>. PostgreSQL takes that time as it writes the commit
/// record, just before the record's WAL flush, so the latency is the real commit time, not when a poll
/// happened to see the row; how often this polls changes only how soon it knows.
/// </summary>
internal sealed class LatencySampler : IAsyncDisposable
{
    // Enough for the backlog a burst leaves, small enough that a poll is cheap for the server.
    private const int IdsPerPoll = 5_000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _connectionString;
    private readonly ConcurrentQueue<(Guid EventId, DateTime PublishedAt, int Segment)> _published = new();
    private readonly List<(Guid EventId, DateTime PublishedAt, int Segment)> _outstanding = [];
    private readonly List<StoredEvent> _stored = [];
    private readonly Lock _storedLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private readonly ConcurrentDictionary<int, long> _publishedPerSegment = new();
    private long _publishedCount;
    private long _storedCount;

    private LatencySampler(string connectionString)
    {
        _connectionString = connectionString;
        _polling = PollAsync();
    }

    /// <param name="connectionString">A role that may read the service's inbox.</param>
    public static LatencySampler Start(string connectionString) => new(connectionString);

    public long PublishedCount => Interlocked.Read(ref _publishedCount);

    /// <summary>Events seen committed so far (up to a poll behind).</summary>
    public long StoredCount => Interlocked.Read(ref _storedCount);

    /// <summary>Call just before the publish, with the time the latency starts from.</summary>
    public void Published(Guid eventId, DateTime publishedAt, int segment)
    {
        _published.Enqueue((eventId, publishedAt, segment));
        _publishedPerSegment.AddOrUpdate(segment, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _publishedCount);
    }

    public long PublishedIn(int segment) => _publishedPerSegment.GetValueOrDefault(segment);

    public IReadOnlyList<StoredEvent> Stored()
    {
        lock (_storedLock)
        {
            return [.. _stored];
        }
    }

    /// <summary>A failed poll ends the run rather than leaving its events outstanding for ever.</summary>
    public void ThrowIfFailed()
    {
        if (_polling.IsFaulted)
        {
            _polling.GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits until every event published so far has been seen committed; false on timeout.</summary>
    public async Task<bool> WaitForAllAsync(TimeSpan timeout, Action? whileWaiting = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (StoredCount < PublishedCount)
        {
            ThrowIfFailed();
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            whileWaiting?.Invoke();
            await Task.Delay(PollInterval);
        }

        return true;
    }

    private async Task PollAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var lookup = new NpgsqlCommand(
            """
            SELECT event_id, pg_xact_commit_timestamp(xmin) AS committed_at
            FROM accreditation.processed_events
            WHERE event_id = ANY($1)
            """,
            connection);
        var ids = new NpgsqlParameter<Guid[]>();
        lookup.Parameters.Add(ids);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                while (_published.TryDequeue(out var published))
                {
                    _outstanding.Add(published);
                }

                var asked = Math.Min(IdsPerPoll, _outstanding.Count);
                var found = asked == 0 ? [] : await LookUpAsync(lookup, ids, asked);
                Record(asked, found);

                // A full answer means a backlog: look again at once.
                if (found.Count < IdsPerPoll)
                {
                    await Task.Delay(PollInterval, _stop.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task<Dictionary<Guid, DateTime>> LookUpAsync(NpgsqlCommand lookup, NpgsqlParameter<Guid[]> ids, int asked)
    {
        ids.TypedValue = _outstanding.Take(asked).Select(o => o.EventId).ToArray();
        var found = new Dictionary<Guid, DateTime>(asked);
        await using var reader = await lookup.ExecuteReaderAsync(_stop.Token);
        while (await reader.ReadAsync(_stop.Token))
        {
            found[reader.GetGuid(0)] = reader.IsDBNull(1)
                ? throw new InvalidOperationException("A stored event has no commit timestamp: is track_commit_timestamp on?")
                : reader.GetDateTime(1);
        }

        return found;
    }

    /// <summary>Moves what was found among the first <paramref name="asked"/> outstanding events to the stored ones.</summary>
    private void Record(int asked, Dictionary<Guid, DateTime> found)
    {
        if (found.Count == 0)
        {
            return;
        }

        var stillOutstanding = new List<(Guid, DateTime, int)>(asked - found.Count);
        var stored = new List<StoredEvent>(found.Count);
        foreach (var (eventId, publishedAt, segment) in _outstanding.Take(asked))
        {
            if (found.TryGetValue(eventId, out var committedAt))
            {
                stored.Add(new StoredEvent(segment, publishedAt, committedAt));
            }
            else
            {
                stillOutstanding.Add((eventId, publishedAt, segment));
            }
        }

        _outstanding.RemoveRange(0, asked);
        _outstanding.InsertRange(0, stillOutstanding);
        lock (_storedLock)
        {
            _stored.AddRange(stored);
        }

        Interlocked.Add(ref _storedCount, stored.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _polling;
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
