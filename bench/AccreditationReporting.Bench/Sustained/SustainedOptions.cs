using System.Globalization;
using System.Text.RegularExpressions;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>Command-line options of the sustained mode (`bench.sh sustained ...`).</summary>
internal sealed record SustainedOptions
{
    /// <summary>How long the steady phase publishes (issue 15: 10 minutes).</summary>
    public double Minutes { get; init; } = 10;

    /// <summary>The steady rate as a share of the peak (issue 15: half).</summary>
    public double Fraction { get; init; } = 0.5;

    /// <summary>A steady rate given outright, instead of a share of the peak.</summary>
    public double? Rate { get; init; }

    /// <summary>The peak end-to-end rate given outright, instead of measured first.</summary>
    public double? Peak { get; init; }

    /// <summary>How long the burst at the peak rate lasts, after the steady phase; 0 for none.</summary>
    public int BurstSeconds { get; init; } = 60;

    /// <summary>Events of the run that measures the peak: the same run as the throughput benchmark's.</summary>
    public int PeakEvents { get; init; } = 50_000;

    public int Window { get; init; } = 500;

    /// <summary>
    /// The throwaway server's buffer cache: what a deployment on this machine would give it (a
    /// database server's usual start is a quarter of its memory; this one is shared with the bench,
    /// the broker and the service).
    /// </summary>
    public string SharedBuffers { get; init; } = "2GB";

    public string ServiceDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll");

    public string OutputDirectory { get; init; } =
        Path.Combine("artifacts", "bench", "sustained-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    public const string Usage = """
        usage: bench.sh sustained [--minutes M] [--fraction F | --rate R] [--peak R] [--burst-seconds S]
                                  [--peak-events N] [--window N] [--shared-buffers SIZE]
                                  [--service-dll PATH] [--output DIR]
          --minutes M          length of the steady phase (default 10)
          --fraction F         steady rate as a share of the peak (default 0.5)
          --rate R             steady rate in events/s, instead of --fraction
          --peak R             the peak end-to-end rate in events/s, instead of measuring it
          --burst-seconds S    a burst at the peak rate after the steady phase (default 60; 0 for none)
          --peak-events N      events of the run that measures the peak (default 50000)
          --window N           publishes awaiting a confirm at once (default 500)
          --shared-buffers S   the throwaway PostgreSQL's shared_buffers (default 2GB; PostgreSQL's own
                               default, 128MB, is far too small for a database of millions of events)
          --service-dll PATH   the service to run (default: the build next to this program)
          --output DIR         where the service logs and the summary go (default artifacts/bench/sustained-<time>)
        First measures the peak end-to-end rate as `bench.sh` does (fresh service and database, as fast as
        the publisher can), then, on another fresh service and database, publishes fresh events at a steady
        pace (persistent, publisher confirms) for the steady phase, then at the peak for the burst, and
        waits until every event is stored. Latency runs from the publish to the commit of the event's inbox
        row, which PostgreSQL timestamps (track_commit_timestamp: turned on in the throwaway server; a
        server from ACCREDITATION_BENCH_POSTGRES must have it on). The service's RSS, the queue depth and
        CPU are sampled every second.
        """;

    /// <returns>Null when the arguments were wrong (the reason is printed).</returns>
    public static SustainedOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new SustainedOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => ++i < args.Count ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
                double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
                options = args[i] switch
                {
                    "--minutes" => options with { Minutes = Positive(Number(), "--minutes") },
                    "--fraction" => options with { Fraction = Positive(Number(), "--fraction") },
                    "--rate" => options with { Rate = Positive(Number(), "--rate") },
                    "--peak" => options with { Peak = Positive(Number(), "--peak") },
                    "--burst-seconds" => options with { BurstSeconds = (int)NotNegative(Number(), "--burst-seconds") },
                    "--peak-events" => options with { PeakEvents = (int)Positive(Number(), "--peak-events") },
                    "--window" => options with { Window = (int)Positive(Number(), "--window") },
                    "--shared-buffers" => options with { SharedBuffers = Size(Value(), "--shared-buffers") },
                    "--service-dll" => options with { ServiceDll = Path.GetFullPath(Value()) },
                    "--output" => options with { OutputDirectory = Value() },
                    _ => throw new FormatException($"unknown option '{args[i]}'"),
                };
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            Console.Error.WriteLine($"bench: {e.Message}\n{Usage}");
            return null;
        }

        return options;
    }

    /// <summary>The options of the peak run, which is the throughput benchmark's end-to-end run.</summary>
    public BenchOptions PeakRunOptions() =>
        new() { Events = PeakEvents, Window = Window, ServiceDll = ServiceDll, OutputDirectory = OutputDirectory };

    private static double Positive(double value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive");

    /// <summary>A PostgreSQL memory size (digits and a unit), which goes into ALTER SYSTEM as it is.</summary>
    private static string Size(string value, string name) =>
        Regex.IsMatch(value, "^[0-9]+(kB|MB|GB|TB)$")
            ? value
            : throw new FormatException($"{name} must be a size such as 2GB or 512MB, not '{value}'");

    private static double NotNegative(double value, string name) =>
        value >= 0 ? value : throw new FormatException($"{name} must not be negative");
}
