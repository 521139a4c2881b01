namespace AccreditationReporting.Bench;

/// <summary>
/// Ingestion throughput of the service against the raw durable RabbitMQ rate, measured in the
/// same run on the same servers, so the ratio holds whatever the machine; or, with `exports` first,
/// the export benchmark (<see cref="Exports.ExportBench"/>), or with `sustained` first, the sustained
/// load (<see cref="Sustained.SustainedBench"/>). See bench.sh.
/// </summary>
internal static class BenchMain
{
    // Not top-level statements: the service assembly this references already has a global Program.
    private static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == "exports")
        {
            return await Exports.ExportBench.RunAsync(args[1..]);
        }

        if (args.FirstOrDefault() == "sustained")
        {
            return await Sustained.SustainedBench.RunAsync(args[1..]);
        }

        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

        if (BenchOptions.Parse(args) is not { } options)
        {
            return 2;
        }

        Directory.CreateDirectory(options.OutputDirectory);
        Console.WriteLine($"bench: generating {options.Events:N0} events per run");
        var eventSets = options.DuplicateFractions.Distinct()
            .Select((fraction, i) => (Fraction: fraction, Events: BenchEvents.Generate(options.Events, fraction, seed: 1 + i)))
            .ToList();

        Console.WriteLine("bench: starting servers (or using ACCREDITATION_BENCH_POSTGRES / ACCREDITATION_BENCH_RABBITMQ)");
        await using var servers = await BenchServers.StartAsync();

        var brokerIdleCores = await IdleCoresAsync(servers.BrokerCpu(), TimeSpan.FromSeconds(3));
        RunResult? raw = null;
        if (!options.SkipRaw)
        {
            Console.WriteLine("bench: raw broker run");
            raw = await RawBrokerRun.RunAsync(servers, eventSets[0].Events, options);
        }

        var endToEnd = new List<(double, RunResult)>();
        foreach (var (fraction, events) in eventSets)
        {
            Console.WriteLine($"bench: end-to-end run, {fraction:0.#%} duplicates ({events.Distinct:N0} distinct events)");
            endToEnd.Add((fraction, await EndToEndRun.RunAsync(servers, events, fraction, options)));
        }

        var report = Report.Format(options, eventSets[0].Events.AverageBodyBytes, brokerIdleCores, raw, endToEnd);
        Console.WriteLine();
        Console.Write(report);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "summary.txt"), report);
        Console.WriteLine($"(service logs and summary.txt in {options.OutputDirectory})");
        return raw?.Failure is null && endToEnd.All(r => r.Item2.Failure is null) ? 0 : 1;
    }

    private static async Task<double?> IdleCoresAsync(CpuMeter meter, TimeSpan period)
    {
        var before = meter.Read();
        await Task.Delay(period);
        return (meter.Read() - before) / period.TotalSeconds;
    }
}
