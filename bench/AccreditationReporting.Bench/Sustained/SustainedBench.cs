using System.Globalization;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>
/// `bench.sh sustained`: the peak end-to-end ingest rate, then a steady load at a share of it and a
/// burst at it, with publish-to-commit latency, the service's memory and the queue's depth over time.
/// </summary>
internal static class SustainedBench
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(SustainedOptions.Usage);
            return 0;
        }

        if (SustainedOptions.Parse(args) is not { } options)
        {
            return 2;
        }

        Directory.CreateDirectory(options.OutputDirectory);
        Console.WriteLine("bench: starting servers (or using ACCREDITATION_BENCH_POSTGRES / ACCREDITATION_BENCH_RABBITMQ)");
        await using var servers = await BenchServers.StartAsync();
        var sharedBuffers = await servers.PrepareForSustainedAsync(options.SharedBuffers);

        double peak;
        string peakSource;
        if (options.Peak is { } given)
        {
            (peak, peakSource) = (given, "given with --peak");
        }
        else
        {
            Console.WriteLine($"bench: measuring the peak, {options.PeakEvents:N0} events end to end as fast as they can be published");
            var run = await EndToEndRun.RunAsync(servers, BenchEvents.Generate(options.PeakEvents, 0, seed: 1), 0, options.PeakRunOptions());
            if (run.Failure is not null)
            {
                Console.Error.WriteLine($"bench: the peak run failed: {run.Failure}");
                return 1;
            }

            (peak, peakSource) = (run.MessageRate, string.Create(CultureInfo.InvariantCulture, $"measured: {options.PeakEvents:N0} events end to end, fresh service and database"));
        }

        var result = await SustainedRun.RunAsync(servers, options, options.Rate ?? peak * options.Fraction, peak);
        var report = SustainedReport.Format(result, peak, peakSource, sharedBuffers);
        Console.WriteLine();
        Console.Write(report);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "summary.txt"), report);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "seconds.csv"), SecondsCsv.Format(result));
        Console.WriteLine($"(service logs, summary.txt and seconds.csv in {options.OutputDirectory})");

        // A missed goal is a figure to report; only events not stored fail the run.
        return result.Unstored == 0 ? 0 : 1;
    }
}
