using System.Diagnostics;
using System.Globalization;
using Npgsql;
using RabbitMQ.Client;

namespace AccreditationReporting.Bench;

/// <summary>
/// The service's ingestion rate: publish to its exchange exactly as the raw run does and time until
/// every distinct event is stored (an inbox row commits with the records it implies). Each run gets
/// a fresh service process (or <c>--instances</c> of them, competing consumers on the one queue) and
/// database, so counts start at zero and nothing is warm from before;
/// the database is migrated by the service's own migrate step before the service starts, as a
/// deployment does, and is not part of the time.
/// </summary>
internal static class EndToEndRun
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // The service is allowed to be slow but not to stop: only a stall ends a run early.
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    public static async Task<RunResult> RunAsync(BenchServers servers, BenchEvents events, double duplicateFraction, BenchOptions options)
    {
        var instances = options.Instances == 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" x{options.Instances}");
        var label = string.Create(CultureInfo.InvariantCulture, $"end-to-end{instances} ({duplicateFraction:0.#%} duplicates)");
        var database = $"bench_{DateTime.UtcNow:yyyyMMddHHmmss}_dup{(int)Math.Round(duplicateFraction * 100)}";
        var postgres = await servers.CreateDatabaseAsync(database);
        var services = new List<ServiceProcess>();
        try
        {
            await DeleteLeftoverQueueAsync(servers.AmqpUri);
            await ServiceProcess.MigrateAsync(options.ServiceDll, postgres, servers.AmqpUri);

            // Instances of one deployment: one identity provider and audit chain key, one database and queue.
            var tokens = new BenchTokens();
            for (var i = 1; i <= options.Instances; i++)
            {
                var logPath = Path.Combine(options.OutputDirectory, options.Instances == 1 ? $"service-{database}.log" : $"service-{database}-{i}.log");
                var service = ServiceProcess.Start(options.ServiceDll, postgres.Service, servers.AmqpUri, logPath, tokens);
                services.Add(service);
                await service.WaitUntilReadyAsync(postgres.Admin, servers.AmqpUri, TimeSpan.FromSeconds(60), consumers: i);
            }

            await using var publisher = await ConfirmedPublisher.ConnectAsync(servers.AmqpUri, options.Window);
            await using var counter = new NpgsqlConnection(postgres.Admin);
            await counter.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM accreditation.processed_events", counter);

            var cpu = CpuWindow.Start(servers.BrokerCpu(), CpuMeter.ProcessSet("service", services.ConvertAll(s => s.Pid)), servers.PostgresCpu());

            // How the work split between the instances: each one's share of the service's CPU.
            var each = services.ConvertAll(s => CpuMeter.SingleProcess("service", s.Pid));
            var eachBefore = each.ConvertAll(m => m.Read() ?? 0);
            var clock = Stopwatch.StartNew();
            var publishing = PublishAsync();

            long stored = 0;
            var lastProgress = clock.Elapsed;
            string? failure = null;
            while (stored < events.Distinct)
            {
                await Task.Delay(PollInterval);
                if (publishing.IsFaulted)
                {
                    await publishing;
                }

                services.ForEach(s => s.ThrowIfExited());
                var now = (long)(await count.ExecuteScalarAsync())!;
                if (now > stored)
                {
                    (stored, lastProgress) = (now, clock.Elapsed);
                }
                else if (clock.Elapsed - lastProgress > StallLimit)
                {
                    failure = $"stalled at {stored} of {events.Distinct} stored; {await WhereTheRestWentAsync(counter, servers.AmqpUri)}; "
                        + $"see {string.Join(", ", services.Select(s => s.LogPath))}";
                    break;
                }
            }

            var total = clock.Elapsed;
            var used = cpu.Stop();
            var split = services.Count == 1 ? null : "cpu s per instance: " + string.Join(", ",
                each.Select((m, i) => string.Create(CultureInfo.InvariantCulture, $"{(m.Read() ?? 0) - eachBefore[i]:0.0}")));
            return new RunResult(label, events.Messages.Count, events.Distinct, await publishing, total, used, failure, split);

            async Task<TimeSpan> PublishAsync()
            {
                await publisher.PublishAllAsync(ServiceProcess.Exchange, events.Messages);
                return clock.Elapsed;
            }
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }

            await servers.DropDatabaseAsync(database);
        }
    }

    /// <summary>Rejected events and faulted messages are the usual reasons a run stalls.</summary>
    private static async Task<string> WhereTheRestWentAsync(NpgsqlConnection database, string amqpUri)
    {
        // The rejected-events table is newer than this bench; older services have none.
        await using var exists = new NpgsqlCommand("SELECT to_regclass('accreditation.rejected_events') IS NOT NULL", database);
        var rejectedCount = "n/a";
        if ((bool)(await exists.ExecuteScalarAsync())!)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM accreditation.rejected_events", database);
            rejectedCount = ((long)(await count.ExecuteScalarAsync())!).ToString(CultureInfo.InvariantCulture);
        }

        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var depths = new List<string>();
        foreach (var queue in new[] { ServiceProcess.Queue, $"{ServiceProcess.Queue}_error" })
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                depths.Add($"{queue} holds {(await channel.QueueDeclarePassiveAsync(queue)).MessageCount}");
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                depths.Add($"no {queue} queue");
            }
        }

        return $"rejected_events rows: {rejectedCount}; {string.Join(", ", depths)}";
    }

    /// <summary>Messages a stalled earlier run left behind would be counted in this one.</summary>
    public static async Task DeleteLeftoverQueueAsync(string amqpUri)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(ServiceProcess.Queue);
    }
}
