using System.Globalization;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>Everything one sustained run measured; <see cref="SustainedReport"/> turns it into rows.</summary>
internal sealed record SustainedResult(
    double SteadyRate,
    double BurstRate,
    int SteadyRows,
    PacedPhase Steady,
    PacedPhase? Burst,
    IReadOnlyDictionary<string, double?> SteadyCpu,
    IReadOnlyDictionary<string, double?>? BurstCpu,
    IReadOnlyList<StoredEvent> Stored,
    IReadOnlyList<ResourceSample> Samples,
    Func<int, long> PublishedIn,
    long Unstored,
    string LogPath);

/// <summary>
/// The steady phase and the burst on one fresh database and service process, migrated and started
/// as <see cref="EndToEndRun"/> does: fresh events at the steady rate for the steady phase, one report
/// row a minute, then at the burst rate, then a wait until every event is stored.
/// </summary>
internal static class SustainedRun
{
    public static async Task<SustainedResult> RunAsync(BenchServers servers, SustainedOptions options, double steadyRate, double burstRate)
    {
        var database = $"bench_sustained_{DateTime.UtcNow:yyyyMMddHHmmss}";
        var postgres = await servers.CreateDatabaseAsync(database);
        try
        {
            await EndToEndRun.DeleteLeftoverQueueAsync(servers.AmqpUri);
            await ServiceProcess.MigrateAsync(options.ServiceDll, postgres, servers.AmqpUri);
            var logPath = Path.Combine(options.OutputDirectory, $"service-{database}.log");
            await using var service = ServiceProcess.Start(options.ServiceDll, postgres.Service, servers.AmqpUri, logPath);
            await service.WaitUntilReadyAsync(postgres.Admin, servers.AmqpUri, TimeSpan.FromSeconds(60));

            await using var publisher = await ConfirmedPublisher.ConnectAsync(servers.AmqpUri, options.Window);
            await using var latency = LatencySampler.Start(postgres.Admin);
            await using var resources = ResourceSampler.Start(service.Pid, servers.AmqpUri, ServiceProcess.Queue, latency);
            var random = new Random(15);
            void Check()
            {
                service.ThrowIfExited();
                latency.ThrowIfFailed();
            }

            var steadyDuration = TimeSpan.FromMinutes(options.Minutes);
            var steadyRows = (int)Math.Ceiling(options.Minutes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: steady phase, {steadyRate:N0} ev/s for {options.Minutes:0.#} min"));
            var cpu = CpuWindow.Start(servers.BrokerCpu(), CpuMeter.SingleProcess("service", service.Pid), servers.PostgresCpu());
            var steady = await PacedPublisher.RunAsync(publisher, ServiceProcess.Exchange, steadyRate, steadyDuration,
                elapsed => Math.Min((int)elapsed.TotalMinutes, steadyRows - 1), latency, random, Check);
            var steadyCpu = cpu.Stop();

            PacedPhase? burst = null;
            IReadOnlyDictionary<string, double?>? burstCpu = null;
            if (options.BurstSeconds > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: burst, {burstRate:N0} ev/s for {options.BurstSeconds} s"));
                cpu = CpuWindow.Start(servers.BrokerCpu(), CpuMeter.SingleProcess("service", service.Pid), servers.PostgresCpu());
                burst = await PacedPublisher.RunAsync(publisher, ServiceProcess.Exchange, burstRate, TimeSpan.FromSeconds(options.BurstSeconds),
                    _ => steadyRows, latency, random, Check);
                burstCpu = cpu.Stop();
            }

            Console.WriteLine("bench: waiting until every event is stored");
            var drained = await latency.WaitForAllAsync(TimeSpan.FromMinutes(5), Check);

            // One more sample after the drain, so the last row sees the queue empty.
            await Task.Delay(ResourceSampler.Interval * 2);
            return new SustainedResult(steadyRate, burstRate, steadyRows, steady, burst, steadyCpu, burstCpu,
                latency.Stored(), resources.Samples(), latency.PublishedIn,
                drained ? 0 : latency.PublishedCount - latency.StoredCount, logPath);
        }
        finally
        {
            await servers.DropDatabaseAsync(database);
        }
    }
}
