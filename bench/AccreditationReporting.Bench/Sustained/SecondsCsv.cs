using System.Globalization;
using System.Text;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>
/// The run second by second, for a closer look than the report's minutes (a start-up stall, a
/// checkpoint): the events published in each second with their p99 and worst latency, and the resources read at its end.
/// </summary>
internal static class SecondsCsv
{
    public static string Format(SustainedResult result)
    {
        var text = new StringBuilder("second,published,p99_ms,max_ms,stored_by_its_end,queue_ready,in_flight,rss_mib,service_cpu_s\n");
        var origin = result.Steady.StartedAt;
        var bySecond = result.Stored.GroupBy(s => (int)Math.Floor((s.PublishedAt - origin).TotalSeconds))
            .ToDictionary(g => g.Key, g => g.Select(s => s.LatencyMilliseconds).Order().ToList());
        var commits = result.Stored.Select(s => s.CommittedAt).Order().ToArray();
        var samples = result.Samples.Where(s => s.At >= origin).ToList();
        for (var second = 0; ; second++)
        {
            // The resources as read at the end of the second.
            var end = origin.AddSeconds(second + 1);
            var sample = samples.FirstOrDefault(s => s.At >= end);
            if (sample == default)
            {
                break;
            }

            var latencies = bySecond.GetValueOrDefault(second) ?? [];
            var stored = Array.BinarySearch(commits, end) is var i && i < 0 ? ~i : i;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{second},{latencies.Count},{Trend.Percentile(latencies, 99):0},{Trend.Percentile(latencies, 100):0},{stored},{sample.QueueReady},{sample.InFlight},{sample.RssKiB / 1024.0:0.0},{sample.ServiceCpuSeconds:0.00}"));
        }

        return text.ToString();
    }
}
