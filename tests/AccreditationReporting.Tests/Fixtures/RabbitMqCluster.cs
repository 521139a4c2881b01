namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// A RabbitMQ cluster on this machine: nodes of their own (own ports and node names), the second and
/// later joined to the first with <c>rabbitmqctl join_cluster</c>. Every node the script starts runs as
/// the rabbitmq user, so they share its Erlang cookie.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private RabbitMqCluster(IReadOnlyList<RabbitMqNode> nodes) => Nodes = nodes;

    public IReadOnlyList<RabbitMqNode> Nodes { get; }

    public static async Task<RabbitMqCluster> StartAsync(int size)
    {
        var nodes = new List<RabbitMqNode>();
        try
        {
            // Started together: each takes seconds, mostly waiting.
            nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, size).Select(_ => RabbitMqNode.StartAsync())));
            foreach (var node in nodes.Skip(1))
            {
                await node.ControlAsync("stop_app");
                await node.ControlAsync("join_cluster", nodes[0].NodeName);
                await node.ControlAsync("start_app");
            }

            var cluster = new RabbitMqCluster(nodes);
            var members = await nodes[0].ControlAsync("eval", "length(rabbit_nodes:all_running()).");
            if (members.Trim() != size.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"The cluster has {members.Trim()} running nodes, not {size}.");
            }

            return cluster;
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The node that leads a quorum queue now, as a running node reports it (<c>rabbitmqctl list_queues name leader</c>).</summary>
    public async Task<RabbitMqNode> LeaderOfAsync(string queue)
    {
        var reporter = Nodes.First(n => n.IsRunning);
        var listing = await reporter.ControlAsync("list_queues", "name", "leader", "--quiet", "--no-table-headers");
        var leader = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(columns => columns.Length == 2 && columns[0] == queue)
            .Select(columns => columns[1].Trim())
            .SingleOrDefault() ?? throw new InvalidOperationException($"No queue {queue} on the cluster:\n{listing}");
        return Nodes.Single(n => n.NodeName == leader);
    }

    /// <summary>A queue's type as the broker lists it (<c>rabbitmqctl list_queues name type</c>).</summary>
    public static async Task<string> QueueTypeAsync(RabbitMqNode node, string queue)
    {
        var listing = await node.ControlAsync("list_queues", "name", "type", "--quiet", "--no-table-headers");
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(columns => columns.Length == 2 && columns[0] == queue)
            .Select(columns => columns[1].Trim())
            .SingleOrDefault() ?? throw new InvalidOperationException($"No queue {queue}:\n{listing}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }
}
