namespace AccreditationReporting.Bench;

/// <summary>What one timed run measured. Times run from the first publish.</summary>
internal sealed record RunResult(
    string Label,
    int Messages,
    int Distinct,
    TimeSpan PublishTime,
    TimeSpan TotalTime,
    IReadOnlyDictionary<string, double?> CpuSeconds,
    string? Failure = null,
    string? Detail = null)
{
    public double MessageRate => Messages / TotalTime.TotalSeconds;

    public double DistinctRate => Distinct / TotalTime.TotalSeconds;

    public double PublishRate => Messages / PublishTime.TotalSeconds;

    /// <summary>Per 1,000 messages published: the broker handles every message, duplicate or not.</summary>
    public double? CpuPerThousand(string component) =>
        CpuSeconds.GetValueOrDefault(component) is { } seconds ? seconds * 1000 / Messages : null;
}
