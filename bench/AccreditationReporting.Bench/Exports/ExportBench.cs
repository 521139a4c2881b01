namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// `bench.sh exports`: batch making for the joint provider and PARS over millions of stored
/// completions, against a raw COPY of the same rows, with the service's memory per size.
/// </summary>
internal static class ExportBench
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(ExportOptions.Usage);
            return 0;
        }

        if (ExportOptions.Parse(args) is not { } options)
        {
            return 2;
        }

        Directory.CreateDirectory(options.OutputDirectory);
        Console.WriteLine("bench: starting servers (or using ACCREDITATION_BENCH_POSTGRES / ACCREDITATION_BENCH_RABBITMQ)");
        await using var servers = await BenchServers.StartAsync();
        if (!await servers.SeesOtherSessionsAsync())
        {
            Console.WriteLine("bench: the PostgreSQL role cannot see the service role's sessions (needs superuser or pg_read_all_stats); batch phases will read as outside a transaction");
        }

        var sizes = new List<SizeResult>();
        foreach (var completions in options.Completions)
        {
            sizes.Add(await ExportRun.RunAsync(servers, options, completions));
        }

        var report = ExportReport.Format(sizes);
        Console.WriteLine();
        Console.Write(report);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "summary.txt"), report);
        Console.WriteLine($"(service logs and summary.txt in {options.OutputDirectory})");

        // A missed goal is a figure to report, not a failure of the benchmark.
        return sizes.Any(s => s.Failed) ? 1 : 0;
    }
}
