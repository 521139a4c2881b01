namespace AccreditationReporting.Bench.Exports;

/// <summary>One recipient's batch at one size, and the raw COPY of the same rows next to it.</summary>
internal sealed record RecipientResult(
    string Recipient,
    long ExpectedRows,
    TimeSpan BatchTime,
    int Rows,
    long FileBytes,
    RawCopyResult RawBefore,
    RawCopyResult RawAfter,
    long PeakRssKiB,
    IReadOnlyList<Phase> Phases,
    IReadOnlyDictionary<string, double?> CpuSeconds,
    string? Failure)
{
    /// <summary>The faster of the two raw runs: the database's floor, whatever the cache held before.</summary>
    public RawCopyResult Raw => RawBefore.Time <= RawAfter.Time ? RawBefore : RawAfter;

    public double Ratio => BatchTime / Raw.Time;
}

/// <summary>One size: the seed, the service's memory, and each recipient's batch.</summary>
internal sealed record SizeResult(
    int Completions,
    StoredCompletions? Seed,
    long IdleRssKiB,
    long HighWaterKiB,
    IReadOnlyList<RecipientResult> Recipients,
    string? Failure)
{
    public bool Failed => Failure is not null || Recipients.Any(r => r.Failure is not null);
}
