using System.Globalization;

namespace AccreditationReporting.Bench.Exports;

/// <summary>Command-line options of the export mode (`bench.sh exports ...`).</summary>
internal sealed record ExportOptions
{
    /// <summary>1M for the time goals, 5M for the memory goal (issue 4, point 11).</summary>
    public IReadOnlyList<int> Completions { get; init; } = [1_000_000, 5_000_000];

    /// <summary>
    /// The service's Npgsql Command Timeout in seconds, or null for the connection string as deployed
    /// (Npgsql's 30 s). COPY commands take it from the connection, whatever their own commands say.
    /// </summary>
    public int? ServiceCommandTimeout { get; init; }

    /// <summary>Leaves each size's database behind for EXPLAIN; only useful with a server of one's own.</summary>
    public bool KeepDatabases { get; init; }

    public string ServiceDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll");

    public string OutputDirectory { get; init; } =
        Path.Combine("artifacts", "bench", "exports-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    public const string Usage = """
        usage: bench.sh exports [--completions N[,N...]] [--command-timeout S] [--keep-databases] [--service-dll PATH] [--output DIR]
          --completions N      stored completions per run, each on a fresh database and service (default 1000000,5000000)
          --command-timeout S  the service's Npgsql Command Timeout, 0 for none (default: unset, Npgsql's 30 s)
          --keep-databases     do not drop the seeded databases (with ACCREDITATION_BENCH_POSTGRES, to EXPLAIN afterwards)
          --service-dll PATH   the service to run (default: the build next to this program)
          --output DIR         where the service logs and the summary go (default artifacts/bench/exports-<time>)
        Per size: seeds learners, activities, completions and awards straight into PostgreSQL (every
        completion eligible for both recipients), starts the service, times CreateBatch over gRPC for
        joint-provider then accme-pars-learners while sampling the service's RSS, and times a raw
        COPY (SELECT ...) TO STDOUT of the same rows and columns.
        environment: ACCREDITATION_BENCH_POSTGRES (connection string), ACCREDITATION_BENCH_RABBITMQ (AMQP URI)
          use existing servers; otherwise throwaway ones are started (PostgreSQL with fsync on).
          Each run's database is owned by accreditation_owner (the migrate step) and the service connects
          as accreditation_service; on a server from the environment both roles are created if missing, with
          password ACCREDITATION_BENCH_ROLE_PASSWORD (default accreditation-bench), so it must be the one they have.
        """;

    /// <returns>Null when the arguments were wrong (the reason is printed).</returns>
    public static ExportOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new ExportOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                string Value() => ++i < args.Count ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
                options = args[i] switch
                {
                    "--completions" => options with { Completions = Value().Split(',').Select(Count).ToList() },
                    "--command-timeout" => options with { ServiceCommandTimeout = NotNegative(int.Parse(Value(), CultureInfo.InvariantCulture)) },
                    "--keep-databases" => options with { KeepDatabases = true },
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

    private static int NotNegative(int value) => value >= 0 ? value : throw new FormatException("--command-timeout must be 0 or more");

    private static int Count(string text)
    {
        // 1_000_000 reads as 1000000; a comma separates sizes, so it cannot group digits.
        var value = int.Parse(text.Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
        return value > 0 ? value : throw new FormatException("--completions must be positive");
    }
}
