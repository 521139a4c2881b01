using System.Globalization;
using System.Text;

namespace AccreditationReporting.Bench.Exports;

/// <summary>The figures per size and recipient, where each batch's time went, and a verdict per goal.</summary>
internal static class ExportReport
{
    /// <summary>The goals of issue 4, point 11: at 1M completions, per recipient.</summary>
    private const int GoalCompletions = 1_000_000;
    private const double GoalSeconds = 10;
    private const double GoalRatio = 2.5;

    /// <summary>Peak RSS at 5M over peak RSS at 1M: memory must not grow with the row count.</summary>
    private const int LargeCompletions = 5_000_000;
    private const double GoalRssRatio = 1.2;

    private const double MiB = 1024 * 1024;

    public static string Format(IReadOnlyList<SizeResult> sizes)
    {
        var text = new StringBuilder();
        void Line(string line) => text.AppendLine(line);

        Line(I($"exports: cores={Environment.ProcessorCount}; service in its own process, Production, logging Warning; PostgreSQL fsync on"));
        foreach (var size in sizes)
        {
            text.AppendLine();
            if (size.Seed is not { } seed)
            {
                Line(I($"completions {size.Completions:N0}: FAILED: {size.Failure}"));
                continue;
            }

            Line(I($"completions {seed.Completions:N0}: {seed.Learners:N0} learners, {seed.Activities:N0} activities, seeded in {seed.SeedTime.TotalSeconds:0.0} s; ")
                + I($"service RSS idle {size.IdleRssKiB / 1024.0:N0} MiB, high-water (VmHWM) {size.HighWaterKiB / 1024.0:N0} MiB"));
            Line(I($"  {"recipient",-21}{"rows",11}{"batch s",9}{"raw COPY s",12}{"ratio",7}{"file MiB",10}{"raw MiB",9}{"peak RSS MiB",14}   cpu s: service, postgres, broker, bench, other"));
            foreach (var r in size.Recipients)
            {
                Line(I($"  {r.Recipient,-21}{r.Rows,11:N0}{r.BatchTime.TotalSeconds,9:0.00}{r.Raw.Time.TotalSeconds,12:0.00}{r.Ratio,7:0.00}")
                    + I($"{r.FileBytes / MiB,10:0.0}{r.Raw.Bytes / MiB,9:0.0}{r.PeakRssKiB / 1024.0,14:N0}   {Cpu(r.CpuSeconds)}"));
                if (r.Failure is not null)
                {
                    Line(I($"  {"",-21}FAILED: {r.Failure}"));
                }
            }

            foreach (var r in size.Recipients)
            {
                Phases(text, r);
            }
        }

        text.AppendLine();
        text.AppendLine("goals (issue 4, point 11):");
        Goals(text, sizes);
        text.AppendLine("raw COPY: the same rows and columns straight from the tables, CSV, read to the end by the bench; the faster of one run before and one after the batch.");
        text.AppendLine("cpu: seconds during the CreateBatch call; other = the machine's busy time no component accounts for (a build or test run alongside makes the figures provisional).");
        return text.ToString();
    }

    private static void Phases(StringBuilder text, RecipientResult r)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"  where {r.Recipient}'s {r.BatchTime.TotalSeconds:0.00} s went (its database session sampled every {RssSampler.Interval.TotalMilliseconds:0} ms):");
        text.AppendLine(CultureInfo.InvariantCulture, $"    {"phase",-92}{"wall s",7}{"share",7}{"db cpu s",10}{"svc cpu s",11}   backend waited on");
        var total = r.Phases.Sum(p => p.Wall.TotalSeconds);
        foreach (var p in r.Phases)
        {
            var waits = string.Join(", ", p.Waits.OrderByDescending(w => w.Value).Take(3)
                .Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Key} {w.Value / p.Wall:0%}")));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"    {Shorten(p.Label, 91),-92}{p.Wall.TotalSeconds,7:0.00}{p.Wall.TotalSeconds / total,7:0%}{p.DatabaseCpu,10:0.00}{p.ServiceCpu,11:0.00}   {waits}");
        }
    }

    private static void Goals(StringBuilder text, IReadOnlyList<SizeResult> sizes)
    {
        void Verdict(string what, bool met) => text.AppendLine(CultureInfo.InvariantCulture, $"  {what,-90}{(met ? "PASS" : "MISS")}");

        foreach (var size in sizes.Where(s => s.Seed is not null))
        {
            foreach (var r in size.Recipients)
            {
                if (r.Failure is not null)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {r.Recipient}, {size.Completions:N0}: FAILED, no verdict");
                    continue;
                }

                if (size.Completions == GoalCompletions)
                {
                    Verdict(I($"{r.Recipient}, {size.Completions:N0}: {r.BatchTime.TotalSeconds:0.00} s (goal <= {GoalSeconds} s)"),
                        r.BatchTime.TotalSeconds <= GoalSeconds);
                }

                Verdict(I($"{r.Recipient}, {size.Completions:N0}: {r.Ratio:0.00}x the raw COPY (goal <= {GoalRatio}x)"), r.Ratio <= GoalRatio);
            }
        }

        var small = sizes.FirstOrDefault(s => s.Completions == GoalCompletions && s.Seed is not null);
        var large = sizes.FirstOrDefault(s => s.Completions == LargeCompletions && s.Seed is not null);
        if (small is null || large is null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  peak RSS ratio: needs runs at {GoalCompletions:N0} and {LargeCompletions:N0}");
            return;
        }

        var ratio = (double)large.HighWaterKiB / small.HighWaterKiB;
        var incomplete = small.Failed || large.Failed ? " [a batch failed: incomplete]" : string.Empty;
        Verdict(I($"peak RSS {large.HighWaterKiB / 1024.0:N0} MiB at {LargeCompletions:N0} / {small.HighWaterKiB / 1024.0:N0} MiB at {GoalCompletions:N0}: {ratio:0.00} (goal <= {GoalRssRatio}){incomplete}"),
            ratio <= GoalRssRatio);
    }

    private static string Cpu(IReadOnlyDictionary<string, double?> cpu) =>
        string.Join(", ", new[] { "service", "postgres", "broker", "bench", "other" }
            .Select(c => cpu.GetValueOrDefault(c) is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "n/a"));

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Shorten(string label, int length) => label.Length <= length ? label : label[..(length - 1)] + "…";
}
