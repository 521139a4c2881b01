using System.Diagnostics;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// A three-node RabbitMQ cluster on this machine, the ingestion queue a quorum queue
/// (<c>Ingestion:QueueType=quorum</c>) and the service told of every node (<c>Ingestion:ClusterNodes</c>).
/// While events arrive, the node that leads the queue is killed (SIGKILL: a lost machine). The other two
/// elect a new leader; the service, connected to the lost node, reconnects to the next; the publisher
/// publishes again whatever was not confirmed. Nothing confirmed may be lost or stored twice.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ClusterNodeLossTests(ITestOutputHelper output)
{
    private const string Endpoint = "course-completed";
    private const int Window = 50;
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task KillingTheNodeThatLeadsTheQuorumQueueLosesAndDuplicatesNothing()
    {
        var profile = FaultProfile.Current;
        var report = new FaultReport(output, "quorum queue leader lost");
        var seed = FaultProfile.Seed();
        var random = new Random(seed);
        report.Line($"seed {seed}, {profile.ClusterEvents} events over {Arrival.TotalSeconds:0} s");
        var messages = FaultEvents.Generate(profile.ClusterEvents, seed);

        var starting = Stopwatch.StartNew();
        await using var cluster = await RabbitMqCluster.StartAsync(3);
        var nodes = cluster.Nodes;
        report.Line($"cluster of {string.Join(", ", nodes.Select(n => $"{n.NodeName} on {n.Port}"))} joined in {starting.Elapsed.TotalSeconds:0} s");

        // The queue as the service declares it, made first so that its leader is known before the service
        // connects: the service and the publisher are pointed at that node, so its loss takes their
        // connections too, and the other nodes follow as the cluster nodes they fail over to.
        await DeclareQuorumQueueAsync(nodes[0]);
        var leader = await cluster.LeaderOfAsync(Endpoint);
        var others = nodes.Where(n => n != leader).ToList();
        var settings = FaultSettings.Ingestion(Endpoint, new Dictionary<string, string?>
        {
            ["Ingestion:QueueType"] = IngestionQueueTypes.Quorum,
            ["Ingestion:ClusterNodes:0"] = others[0].HostAndPort,
            ["Ingestion:ClusterNodes:1"] = others[1].HostAndPort,
        });
        await using var service = await ServiceProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), leader.AmqpUri, settings, "cluster");
        foreach (var queue in new[] { Endpoint }.Concat(ErrorQueues.Of(Endpoint)))
        {
            Assert.Equal(IngestionQueueTypes.Quorum, await RabbitMqCluster.QueueTypeAsync(leader, queue));
        }

        await using var publisher = new ConfirmingPublisher(new[] { leader }.Concat(others).Select(n => new Uri(n.AmqpUri)), Endpoint, Window);
        var publishing = publisher.PublishAsync(messages, perWindow: Arrival * Window / messages.Count);

        await Task.Delay(TimeSpan.FromSeconds(8 + (10 * random.NextDouble())));

        // The node that leads the queue now is the one stopped. It is the one the service and the publisher
        // connected to, unless the cluster moved the lead meanwhile (a node starved of CPU on a loaded machine).
        var first = leader;
        leader = await cluster.LeaderOfAsync(Endpoint);
        if (leader != first)
        {
            report.Line($"the lead moved from {first.NodeName} to {leader.NodeName} before the kill");
        }

        var onLeader = await ConnectionsOnAsync(leader);
        var settled = await IngestionTally.SettledAsync(service.Database);
        await leader.KillAsync();
        var lost = Stopwatch.StartNew();
        report.Line($"killed {leader.NodeName}, the queue's leader, with {settled} settled and {publisher.ConfirmedCount} confirmed; " +
            $"connected to it: {string.Join(", ", onLeader)}");

        await Eventually.TrueAsync(
            async () => await IngestionTally.SettledAsync(service.Database) > settled + Window, TimeSpan.FromMinutes(3), "ingestion going on after the leader was lost");
        var newLeader = await cluster.LeaderOfAsync(Endpoint);
        report.Line($"{newLeader.NodeName} leads the queue now; events stored again {lost.Elapsed.TotalSeconds:0.0} s after the loss");

        await publishing;
        await IngestionTally.WaitUntilSettledAsync(service.Database, messages, stall: TimeSpan.FromMinutes(1));
        var tally = await IngestionTally.CountAsync(service.Database, messages, [publisher], service.Log());
        report.Line($"{tally}; publisher reconnects {publisher.Reconnects}, service starts {service.Starts}");

        tally.AssertExactlyOnce(messages);
        Assert.NotEqual(leader.NodeName, newLeader.NodeName);
        if (leader == first)
        {
            Assert.Contains(ConfirmingPublisher.ConnectionName, onLeader);
            Assert.Contains(onLeader, name => name != ConfirmingPublisher.ConnectionName);
        }

        Assert.True(service.IsRunning && service.Starts == 1, $"the service carried on by itself\n{service.Tail()}");
        await FaultSettings.AssertQueuesEmptyAsync(newLeader.AmqpUri, Endpoint);
    }

    /// <summary>The client-provided names of the connections to <paramref name="node"/>'s own listener (from their client properties).</summary>
    private static async Task<List<string>> ConnectionsOnAsync(RabbitMqNode node)
    {
        var listing = await node.ControlAsync("list_connections", "port", "client_properties", "--quiet", "--no-table-headers");
        return [.. listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Where(columns => columns.Length == 2 && columns[0].Trim() == node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(columns => ConnectionName.Match(columns[1]) is { Success: true } name ? name.Groups[1].Value : "(unnamed)")];
    }

    private static readonly System.Text.RegularExpressions.Regex ConnectionName = new("""\{"connection_name","([^"]*)"\}""");

    private static async Task DeclareQuorumQueueAsync(RabbitMqNode node)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(node.AmqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(Endpoint, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { [IngestionQueueTypes.Argument] = IngestionQueueTypes.Quorum });
    }
}
