namespace AccreditationReporting.Bench.Sustained;

/// <summary>Small statistics for the report: percentiles of latencies, and whether a reading grows.</summary>
internal static class Trend
{
    /// <summary>The nearest-rank percentile of sorted values (p in 0..100), or NaN for none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>
    /// The least-squares slope of the values per minute: a reading that does not grow has a slope
    /// near zero, whatever it does from one second to the next.
    /// </summary>
    public static double SlopePerMinute(IReadOnlyList<(DateTime At, double Value)> points)
    {
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var origin = points[0].At;
        var xs = points.Select(p => (p.At - origin).TotalMinutes).ToArray();
        var meanX = xs.Average();
        var meanY = points.Average(p => p.Value);
        var covariance = xs.Zip(points, (x, p) => (x - meanX) * (p.Value - meanY)).Sum();
        var variance = xs.Sum(x => (x - meanX) * (x - meanX));
        return variance == 0 ? double.NaN : covariance / variance;
    }
}
