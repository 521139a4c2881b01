using System.Globalization;
using System.Text;

namespace AccreditationReporting.Bench;

/// <summary>The figures and ratios, as one small table; written to the console and to summary.txt.</summary>
internal static class Report
{
    public static string Format(BenchOptions options, double averageBodyBytes, double? brokerIdleCores, RunResult? raw, IReadOnlyList<(double Fraction, RunResult Result)> endToEnd)
    {
        var text = new StringBuilder();
        void Line(string label, string figures) => text.AppendLine(CultureInfo.InvariantCulture, $"{label,-38}{figures}");

        var idle = brokerIdleCores is { } cores ? string.Create(CultureInfo.InvariantCulture, $" broker-idle-cores={cores:0.00}") : string.Empty;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"events={options.Events} body≈{averageBodyBytes / 1024:0.0}KB prefetch={options.Prefetch} window={options.Window} instances={options.Instances} cores={Environment.ProcessorCount}{idle}");
        if (raw is not null)
        {
            Line($"{raw.Label}:", raw.Failure is null ? $"{Rate(raw.MessageRate)} msg/s   publish-only {Rate(raw.PublishRate)} msg/s" : $"FAILED: {raw.Failure}");
            Line(string.Empty, Cpu(raw, "broker", "bench", "other"));
        }

        var clean = endToEnd.FirstOrDefault(r => r.Fraction == 0 && r.Result.Failure is null).Result;
        foreach (var (fraction, result) in endToEnd)
        {
            var label = $"{result.Label}:";
            if (result.Failure is not null)
            {
                Line(label, $"FAILED: {result.Failure}");
                continue;
            }

            var rates = fraction == 0
                ? $"{Rate(result.MessageRate)} ev/s"
                : $"{Rate(result.MessageRate)} msg/s ({Rate(result.DistinctRate)} distinct ev/s)";
            var ratio = raw is { Failure: null } ? $"   ratio {result.MessageRate / raw.MessageRate:0.00}" : string.Empty;
            Line(label, $"{rates}{ratio}   publish-only {Rate(result.PublishRate)} msg/s");
            Line(string.Empty, Cpu(result, "broker", "service", "postgres", "bench", "other"));
            if (result.Detail is not null)
            {
                Line(string.Empty, result.Detail);
            }

            if (fraction > 0 && clean is not null)
            {
                Line(string.Empty,
                    $"duplicate cost: {1 - (result.MessageRate / clean.MessageRate):0.0%} by messages/s, "
                    + $"{1 - (result.DistinctRate / clean.DistinctRate):0.0%} by distinct events/s");
            }
        }

        text.AppendLine("rates: messages (or distinct events) / time from the first publish until all were acked (raw) or stored (end-to-end).");
        text.AppendLine("cpu: CPU-seconds per 1,000 messages published, user+system; bench = this program (publisher, raw consumer, polling).");
        text.AppendLine("other: the machine's busy CPU no component accounts for (kernel threads, or another build or test run: then the figures are off).");
        text.AppendLine("broker-idle-cores: what the idle broker burns (Erlang schedulers spin); it inflates the broker's cost in slow runs.");
        return text.ToString();
    }

    /// <summary>Above this, something else shared the machine: loopback networking alone stays well under it.</summary>
    private const double OtherCoresWarning = 0.25;

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Cost per message, and in brackets how busy the component was (a component near a whole core is the bottleneck).</summary>
    private static string Cpu(RunResult result, params string[] components)
    {
        double? Cores(string c) => result.CpuSeconds.GetValueOrDefault(c) / result.TotalTime.TotalSeconds;
        var figures = components.Select(c => result.CpuPerThousand(c) is { } perThousand
            ? string.Create(CultureInfo.InvariantCulture, $"{c} {perThousand:0.000} ({Cores(c):0.00})")
            : $"{c} n/a");
        var warning = Cores("other") > OtherCoresWarning ? "   <- the machine was busy with something else" : string.Empty;
        return $"cpu s/1k msgs (cores busy): {string.Join(", ", figures)}{warning}";
    }
}
