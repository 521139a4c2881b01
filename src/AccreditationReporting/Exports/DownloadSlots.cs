namespace AccreditationReporting.Exports;

/// <summary>
/// How many batch files may stream at once (<c>Exports:MaxConcurrentDownloads</c>). Each download
/// reads its file on a pooled database connection for as long as the client takes; beyond the bound
/// a caller is told to come back (RESOURCE_EXHAUSTED) instead of starving the pool.
/// </summary>
internal sealed class DownloadSlots(int limit)
{
    public const string Setting = "Exports:MaxConcurrentDownloads";
    public const int DefaultLimit = 8;

    private readonly SemaphoreSlim _slots = new(limit, limit);

    public int Limit { get; } = limit;

    /// <summary>A slot to dispose when the download ends, or null when all are taken.</summary>
    public IDisposable? TryTake() => _slots.Wait(0) ? new Slot(_slots) : null;

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
