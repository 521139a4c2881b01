using System.Diagnostics;
using System.Globalization;
using Npgsql;
using RabbitMQ.Client;

namespace AccreditationReporting.Bench;

/// <summary>
/// The service's ingestion rate: publish to its exchange exactly as the raw run does and time until
/// every distinct event is stored (an inbox row commits with the records it implies). Each run gets
/// a fresh service process and database, so counts start at zero and nothing is warm from before;
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
        var label = string.Create(CultureInfo.InvariantCulture, $"end-to-end ({duplicateFraction:0.#%} duplicates)");
        var database = $"bench_{DateTime.UtcNow:yyyyMMddHHmmss}_dup{(int)Math.Round(duplicateFraction * 100)}";
        var postgres = await servers.CreateDatabaseAsync(database);
        try
        {
            await DeleteLeftoverQueueAsync(servers.AmqpUri);
            await ServiceProcess.MigrateAsync(options.ServiceDll, postgres, servers.AmqpUri);
            var logPath = Path.Combine(options.OutputDirectory, $"service-{database}.log");
            await using var service = ServiceProcess.Start(options.ServiceDll, postgres.Service, servers.AmqpUri, logPath);
            await service.WaitUntilReadyAsync(postgres.Admin, servers.AmqpUri, TimeSpan.FromSeconds(60));

            await using var publisher = await ConfirmedPublisher.ConnectAsync(servers.AmqpUri, options.Window);
            await using var counter = new NpgsqlConnection(postgres.Admin);
            await counter.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM accreditation.processed_events", counter);

            var cpu = CpuWindow.Start(servers.BrokerCpu(), CpuMeter.SingleProcess("service", service.Pid), servers.PostgresCpu());
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

                service.ThrowIfExited();
                var now = (long)(await count.ExecuteScalarAsync())!;
                if (now > stored)
                {
                    (stored, lastProgress) = (now, clock.Elapsed);
                }
                else if (clock.Elapsed - lastProgress > StallLimit)
                {
                    failure = $"stalled at {stored} of {events.Distinct} stored; {await WhereTheRestWentAsync(counter, servers.AmqpUri)}; see {service.LogPath}";
                    break;
                }
            }

            var total = clock.Elapsed;
            var used = cpu.Stop();
            return new RunResult(label, events.Messages.Count, events.Distinct, await publishing, total, used, failure);

            async Task<TimeSpan> PublishAsync()
            {
                await publisher.PublishAllAsync(ServiceProcess.Exchange, events.Messages);
                return clock.Elapsed;
            }
        }
        finally
        {
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
