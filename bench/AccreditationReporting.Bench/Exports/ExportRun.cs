using System.Diagnostics;
using System.Globalization;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Exports;
using Grpc.Core;
using Npgsql;

namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// One size: a fresh database migrated by the service's own migrate step (as the owning role) and
/// seeded, then a fresh service process (as the service role), so its memory high-water mark
/// belongs to this size alone. Each recipient's batch is asked for over gRPC, as the scheduled
/// export job would, with a bearer token for its role, and timed end to end.
/// </summary>
internal static class ExportRun
{
    /// <summary>The joint provider first, as the issue lists them; each batch takes every completion.</summary>
    public static readonly IReadOnlyList<string> Measured = [JointProvider, Recipients.ParsLearners];

    /// <summary>The seeded activities' joint provider, configured on the service (<see cref="ServiceProcess"/>).</summary>
    public const string JointProvider = Recipients.JointProviderPrefix + "cme-consultants";

    /// <summary>Long enough for start-up to settle (JIT, pools) so the idle figure is the service's floor.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static async Task<SizeResult> RunAsync(BenchServers servers, ExportOptions options, int completions)
    {
        var database = string.Create(CultureInfo.InvariantCulture, $"bench_exports_{completions}_{DateTime.UtcNow:yyyyMMddHHmmss}");
        var postgres = await servers.CreateDatabaseAsync(database);
        try
        {
            await ServiceProcess.MigrateAsync(options.ServiceDll, postgres, servers.AmqpUri);
            Console.WriteLine($"bench: seeding {completions:N0} completions");
            var seed = await StoredCompletions.SeedAsync(postgres.Admin, completions);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: seeded {seed.Completions:N0} completions, {seed.Learners:N0} learners, {seed.Activities:N0} activities in {seed.SeedTime.TotalSeconds:0.0} s"));

            var logPath = Path.Combine(options.OutputDirectory, $"service-{database}.log");
            await using var service = ServiceProcess.Start(options.ServiceDll, ServiceConnectionString(postgres.Service, options), servers.AmqpUri, logPath);
            await service.WaitUntilReadyAsync(postgres.Admin, servers.AmqpUri, TimeSpan.FromSeconds(60));
            await Task.Delay(Settle);
            var idle = ProcFs.StatusKiB(service.Pid, "VmRSS") ?? 0;

            using var channel = service.CreateChannel("bench-export-job", "Export benchmark", StaffRoles.ExportJob);
            var client = new ExportService.ExportServiceClient(channel);
            var results = new List<RecipientResult>();
            foreach (var recipient in Measured)
            {
                Console.WriteLine($"bench: {completions:N0} completions, {recipient}");
                var expectedRows = recipient == Recipients.ParsLearners ? seed.ParsRows : seed.JointProviderRows;
                results.Add(await BatchAsync(servers, service, client, postgres.Admin, recipient, seed.Completions, expectedRows));
            }

            service.ThrowIfExited();
            var highWater = ProcFs.StatusKiB(service.Pid, "VmHWM") ?? 0;
            return new SizeResult(completions, seed, idle, highWater, results, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new SizeResult(completions, null, 0, 0, [], e.ToString());
        }
        finally
        {
            if (options.KeepDatabases)
            {
                Console.WriteLine($"bench: kept database {database}");
            }
            else
            {
                await servers.DropDatabaseAsync(database);
            }
        }
    }

    private static string ServiceConnectionString(string postgres, ExportOptions options) =>
        options.ServiceCommandTimeout is { } timeout
            ? new NpgsqlConnectionStringBuilder(postgres) { CommandTimeout = timeout }.ConnectionString
            : postgres;

    private static async Task<RecipientResult> BatchAsync(
        BenchServers servers, ServiceProcess service, ExportService.ExportServiceClient client, string postgres, string recipient,
        int completions, long expectedRows)
    {
        var rawBefore = await RawCopy.TimeAsync(postgres, recipient);

        CreateBatchResponse? response = null;
        string? failure = null;
        TimeSpan elapsed;
        IReadOnlyList<Phase> phases;
        IReadOnlyDictionary<string, double?> cpu;
        long peak;
        await using (var rss = RssSampler.Start(service.Pid))
        await using (var timeline = await BatchPhases.StartAsync(postgres, service.Pid))
        {
            var window = CpuWindow.Start(CpuMeter.SingleProcess("service", service.Pid), servers.PostgresCpu(), servers.BrokerCpu());
            var clock = Stopwatch.StartNew();
            try
            {
                response = await client.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient });
            }
            catch (RpcException e)
            {
                // The other recipient and the memory figures still mean something; the service log has the cause.
                failure = $"CreateBatch failed after {clock.Elapsed.TotalSeconds:0.0} s: {e.Status.StatusCode} {e.Status.Detail} (see {service.LogPath})";
            }

            elapsed = clock.Elapsed;
            cpu = window.Stop();
            phases = await timeline.StopAsync();
            peak = rss.PeakKiB;
        }

        var rawAfter = await RawCopy.TimeAsync(postgres, recipient);
        var batch = response?.Batch;
        return new RecipientResult(
            recipient, expectedRows, elapsed, batch?.Manifest?.RowCount ?? 0, batch?.Manifest?.ByteLength ?? 0, rawBefore, rawAfter, peak,
            phases, cpu, failure ?? Check(response!, completions, expectedRows));
    }

    /// <summary>
    /// Every seeded completion was made eligible; a batch that leaves any out means the seed and the
    /// service's rules disagree, and its time would not be the time of this many rows.
    /// </summary>
    private static string? Check(CreateBatchResponse response, int completions, long expectedRows)
    {
        if (!response.Created)
        {
            return "no batch was created";
        }

        var batch = response.Batch;
        var problems = new List<string>();
        if (batch.Included != completions)
        {
            problems.Add($"included {batch.Included:N0} of {completions:N0} seeded completions");
        }

        if (batch.Manifest.RowCount != expectedRows)
        {
            problems.Add($"{batch.Manifest.RowCount:N0} rows where {expectedRows:N0} were expected");
        }

        if (batch.Exclusions.Count > 0)
        {
            problems.Add("excluded: " + string.Join(", ", batch.Exclusions.Select(e => $"{e.Count:N0} {e.Reason}")));
        }

        if (batch.Corrections > 0)
        {
            problems.Add($"{batch.Corrections:N0} corrections");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
