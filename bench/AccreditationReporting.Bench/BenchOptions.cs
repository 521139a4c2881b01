using System.Globalization;

namespace AccreditationReporting.Bench;

/// <summary>Command-line options; servers come from the environment (see <see cref="BenchServers"/>).</summary>
internal sealed record BenchOptions
{
    public int Events { get; init; } = 50_000;

    /// <summary>Both by default: the duplicate run only means something next to the clean one.</summary>
    public IReadOnlyList<double> DuplicateFractions { get; init; } = [0.0, 0.1];

    public bool SkipRaw { get; init; }

    /// <summary>Service processes on the same database, broker and queue: one deployment scaled out.</summary>
    public int Instances { get; init; } = 1;

    /// <summary>The raw consumer's prefetch; the service sets its own.</summary>
    public ushort Prefetch { get; init; } = 500;

    /// <summary>Publishes awaiting their confirm at any one time, for both the raw and the end-to-end runs.</summary>
    public int Window { get; init; } = 500;

    /// <summary>The service to run; by default the copy the project reference put next to this program.</summary>
    public string ServiceDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll");

    public string OutputDirectory { get; init; } =
        Path.Combine("artifacts", "bench", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    public const string Usage = """
        usage: bench.sh exports [...]   the export benchmark (bench.sh exports --help)
               bench.sh sustained [...] steady load and a burst: latency, memory, queue (bench.sh sustained --help)
               bench.sh [--events N] [--duplicates FRACTION[,FRACTION...]] [--skip-raw] [--instances N]
                        [--prefetch N] [--window N] [--service-dll PATH] [--output DIR]
          --events N           messages published per run (default 50000)
          --duplicates F       fraction of messages that repeat an earlier eventId (default: runs 0 and 0.1)
          --skip-raw           skip the raw broker baseline
          --instances N        service processes on the same database, broker and queue, as competing
                               consumers (default 1); their CPU is summed as "service"
          --prefetch N         raw consumer prefetch (default 500)
          --window N           publishes awaiting a confirm at once (default 500)
          --service-dll PATH   the service to run (default: the build next to this program)
          --output DIR         where the service logs and the summary go (default artifacts/bench/<time>)
        environment: ACCREDITATION_BENCH_POSTGRES (connection string), ACCREDITATION_BENCH_RABBITMQ (AMQP URI)
          use existing servers; otherwise throwaway ones are started (PostgreSQL with fsync on).
          Each run's database is owned by accreditation_owner (the migrate step) and the service connects
          as accreditation_service; on a server from the environment both roles are created if missing, with
          password ACCREDITATION_BENCH_ROLE_PASSWORD (default accreditation-bench), so it must be the one they have.
        """;

    /// <returns>Null when the arguments were wrong (the reason is printed).</returns>
    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => ++i < args.Length ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
                options = args[i] switch
                {
                    "--events" => options with { Events = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--events") },
                    "--duplicates" => options with { DuplicateFractions = Value().Split(',').Select(Fraction).ToList() },
                    "--skip-raw" => options with { SkipRaw = true },
                    "--instances" => options with { Instances = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--instances") },
                    "--prefetch" => options with { Prefetch = ushort.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--window" => options with { Window = Positive(int.Parse(Value(), CultureInfo.InvariantCulture), "--window") },
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

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive");

    private static double Fraction(string text)
    {
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value is >= 0 and < 1 ? value : throw new FormatException("--duplicates must be in [0, 1)");
    }
}
