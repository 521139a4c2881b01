using System.Globalization;
using System.Text;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>
/// The sustained run as a table, a row per minute of the steady phase, one for the burst and one for
/// the drain after it, then the whole phases against issue 15's goals.
/// </summary>
internal static class SustainedReport
{
    // Issue 15, point 6.
    private const double P99GoalMilliseconds = 500;
    private const double RssGoalMiB = 300;

    private sealed record Row(string Phase, string Label, double? TargetRate, DateTime From, DateTime To, int? Segment);

    public static string Format(SustainedResult result, double peakRate, string peakSource, string? sharedBuffers)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        var stored = result.Stored;
        var commits = stored.Select(s => s.CommittedAt).Order().ToArray();
        var samples = result.Samples;
        var rows = Rows(result).ToList();

        Line($"peak {peakRate:N0} ev/s ({peakSource}); steady {result.SteadyRate:N0} ev/s for {result.Steady.EndedAt - result.Steady.StartedAt:mm\\:ss}; burst {(result.Burst is null ? "none" : $"{result.BurstRate:N0} ev/s for {result.Burst.EndedAt - result.Burst.StartedAt:mm\\:ss}")}; cores={Environment.ProcessorCount}; PostgreSQL shared_buffers={sharedBuffers}");
        Line($"{"phase",-7}{"min",4}{"target/s",10}{"publ./s",9}{"comm./s",9}{"p50 ms",8}{"p99 ms",8}{"max ms",8}{"queue",9}{"in flight",10}{"RSS MiB",9}{"svc cores",10}");
        foreach (var row in rows)
        {
            var seconds = Math.Max((row.To - row.From).TotalSeconds, 1e-3);
            var latencies = row.Segment is { } segment ? Sorted(stored.Where(s => s.Segment == segment)) : [];
            var published = row.Segment is { } s2 ? result.PublishedIn(s2) : 0;
            var committed = CountBetween(commits, row.From, row.To);
            var within = samples.Where(s => s.At >= row.From && s.At <= row.To).ToList();
            Line($"{row.Phase,-7}{row.Label,4}{(row.TargetRate is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "-"),10}{published / seconds,9:N0}{committed / seconds,9:N0}{Ms(latencies, 50),8}{Ms(latencies, 99),8}{Ms(latencies, 100),8}{Max(within, s => s.QueueReady),9}{Max(within, s => s.InFlight),10}{(within.Count == 0 ? "-" : (within[^1].RssKiB / 1024.0).ToString("0", CultureInfo.InvariantCulture)),9}{ServiceCores(samples, row.From, row.To),10}");
        }

        text.AppendLine();
        var steadyLatencies = Sorted(stored.Where(s => s.Segment < result.SteadyRows));
        var worstMinuteP99 = Enumerable.Range(0, result.SteadyRows).Select(i => Trend.Percentile(Sorted(stored.Where(s => s.Segment == i)), 99)).Max();
        Line($"steady: {steadyLatencies.Count:N0} events, p50 {Trend.Percentile(steadyLatencies, 50):0} ms, p99 {Trend.Percentile(steadyLatencies, 99):0} ms, max {Trend.Percentile(steadyLatencies, 100):0} ms; worst minute's p99 {worstMinuteP99:0} ms; publisher at most {result.Steady.MostBehind.TotalMilliseconds:0} ms behind its schedule");
        if (result.Burst is { } burst)
        {
            var burstLatencies = Sorted(stored.Where(s => s.Segment == result.SteadyRows));
            var lastCommit = commits.Length == 0 ? burst.EndedAt : commits[^1];
            Line($"burst: {burstLatencies.Count:N0} events, p50 {Trend.Percentile(burstLatencies, 50):0} ms, p99 {Trend.Percentile(burstLatencies, 99):0} ms, max {Trend.Percentile(burstLatencies, 100):0} ms; stored at {CountBetween(commits, burst.StartedAt, burst.EndedAt) / (burst.EndedAt - burst.StartedAt).TotalSeconds:N0} ev/s during it; all stored {Math.Max(0, (lastCommit - burst.EndedAt).TotalSeconds):0.0} s after it ended; publisher at most {burst.MostBehind.TotalMilliseconds:0} ms behind");
        }

        if (result.Unstored > 0)
        {
            Line($"NOT STORED: {result.Unstored:N0} events published were not seen committed within 5 minutes of the last publish (see {result.LogPath})");
        }

        // The first minute holds start-up (the service's first allocations, the first batches' plans): a
        // reading that grows shows after it.
        var settled = samples.Where(s => s.At >= result.Steady.StartedAt.AddMinutes(1) && s.At <= result.Steady.EndedAt).ToList();
        var steadySamples = samples.Where(s => s.At >= result.Steady.StartedAt && s.At <= result.Steady.EndedAt).ToList();
        var rssMax = samples.Max(s => s.RssKiB) / 1024.0;
        var rssSlope = Trend.SlopePerMinute(settled.Select(s => (s.At, s.RssKiB / 1024.0)).ToList());
        var queueSlope = Trend.SlopePerMinute(settled.Select(s => (s.At, (double)s.QueueReady)).ToList());
        var inFlightSlope = Trend.SlopePerMinute(settled.Select(s => (s.At, (double)s.InFlight)).ToList());
        if (steadySamples.Count > 0)
        {
            Line($"service RSS: first {steadySamples[0].RssKiB / 1024.0:0} MiB, last of the steady phase {steadySamples[^1].RssKiB / 1024.0:0} MiB, max {rssMax:0} MiB (whole run), slope {Signed(rssSlope)} MiB/min over the steady phase after its first minute");
            Line($"queue (ready messages): max {steadySamples.Max(s => s.QueueReady):N0} in the steady phase, slope {Signed(queueSlope)}/min; in flight (published, not yet stored): max {steadySamples.Max(s => s.InFlight):N0}, slope {Signed(inFlightSlope)}/min");
        }

        Line($"cpu, steady: {Cpu(result.SteadyCpu, result.Steady)}");
        if (result.Burst is not null && result.BurstCpu is not null)
        {
            Line($"cpu, burst:  {Cpu(result.BurstCpu, result.Burst)}");
        }

        text.AppendLine();
        var p99 = Trend.Percentile(steadyLatencies, 99);
        Line($"goal: p99 <= {P99GoalMilliseconds:0} ms at the steady rate: {p99:0} ms, {(p99 <= P99GoalMilliseconds ? "met" : "NOT met")}");
        Line($"goal: service RSS <= {RssGoalMiB:0} MiB: max {rssMax:0} MiB, {(rssMax <= RssGoalMiB ? "met" : "NOT met")}; not growing: {Signed(rssSlope)} MiB/min");
        Line($"goal: queue depth not growing: {Signed(queueSlope)} ready messages/min (max {(steadySamples.Count == 0 ? 0 : steadySamples.Max(s => s.QueueReady)):N0})");
        text.AppendLine("latency: from just before the bench's basic.publish to PostgreSQL's commit timestamp of the transaction that wrote the event's inbox row (taken as the commit record is written, before its WAL flush).");
        text.AppendLine("rows: latency by the minute an event was published; comm./s by the minute it committed; queue = ready messages, in flight = published and not yet stored, both the row's max; RSS at the row's end.");
        text.AppendLine("cpu: CPU-seconds per 1,000 events published in the phase (cores busy); other = the machine's busy CPU no component accounts for:");
        text.AppendLine("  high means another build or test ran; below saturation it goes negative, as /proc/stat samples busy time by the tick and misses the short bursts that processes' own times count.");
        return text.ToString();
    }

    private static IEnumerable<Row> Rows(SustainedResult result)
    {
        var steady = result.Steady;
        for (var i = 0; i < result.SteadyRows; i++)
        {
            var from = steady.StartedAt.AddMinutes(i);
            var to = i == result.SteadyRows - 1 ? steady.EndedAt : steady.StartedAt.AddMinutes(i + 1);
            yield return new Row("steady", (i + 1).ToString(CultureInfo.InvariantCulture), result.SteadyRate, from, to, i);
        }

        var lastPublish = steady.EndedAt;
        if (result.Burst is { } burst)
        {
            yield return new Row("burst", "-", result.BurstRate, burst.StartedAt, burst.EndedAt, result.SteadyRows);
            lastPublish = burst.EndedAt;
        }

        // Past the last commit, so the row counts it; only worth a row when the backlog took a while.
        var lastCommit = result.Stored.Count == 0 ? lastPublish : result.Stored.Max(s => s.CommittedAt).AddTicks(1);
        if (lastCommit - lastPublish > ResourceSampler.Interval)
        {
            yield return new Row("drain", "-", null, lastPublish, lastCommit, null);
        }
    }

    /// <summary>A slope with its sign, and no "-0.0" for one that rounds to nothing.</summary>
    private static string Signed(double value) =>
        Math.Round(value, 1) is var rounded && rounded == 0 ? "0.0" : rounded.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);

    private static List<double> Sorted(IEnumerable<StoredEvent> events) => [.. events.Select(e => e.LatencyMilliseconds).Order()];

    private static string Ms(List<double> sorted, double p) =>
        sorted.Count == 0 ? "-" : Trend.Percentile(sorted, p).ToString("0", CultureInfo.InvariantCulture);

    private static string Max(List<ResourceSample> samples, Func<ResourceSample, long> value) =>
        samples.Count == 0 ? "-" : samples.Max(value).ToString("N0", CultureInfo.InvariantCulture);

    private static int CountBetween(DateTime[] sorted, DateTime from, DateTime to)
    {
        static int LowerBound(DateTime[] a, DateTime t)
        {
            var i = Array.BinarySearch(a, t);
            if (i < 0)
            {
                return ~i;
            }

            while (i > 0 && a[i - 1] == t)
            {
                i--;
            }

            return i;
        }

        return LowerBound(sorted, to) - LowerBound(sorted, from);
    }

    /// <summary>The service's CPU over the row, from the last reading at or before its start to the last within it.</summary>
    private static string ServiceCores(IReadOnlyList<ResourceSample> samples, DateTime from, DateTime to)
    {
        // The first reading may come a moment after the phase starts.
        var before = samples.LastOrDefault(s => s.At <= from) is { At.Ticks: > 0 } earlier ? earlier : samples.FirstOrDefault(s => s.At >= from);
        var last = samples.LastOrDefault(s => s.At <= to);
        if (before == default || last == default || last.At <= before.At)
        {
            return "-";
        }

        return ((last.ServiceCpuSeconds - before.ServiceCpuSeconds) / (last.At - before.At).TotalSeconds).ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string Cpu(IReadOnlyDictionary<string, double?> used, PacedPhase phase)
    {
        var seconds = (phase.EndedAt - phase.StartedAt).TotalSeconds;
        return string.Join(", ", new[] { "broker", "service", "postgres", "bench", "other" }.Select(c => used.GetValueOrDefault(c) is { } cpu
            ? string.Create(CultureInfo.InvariantCulture, $"{c} {cpu * 1000 / Math.Max(phase.Published, 1):0.000} ({cpu / seconds:0.00})")
            : $"{c} n/a"));
    }
}
