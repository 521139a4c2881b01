using System.Globalization;
using AccreditationReporting.Hosting;
using MassTransit;
using RabbitMQ.Client;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Reads <c>ConnectionStrings:RabbitMq</c> as an AMQP URI (amqp[s]://user:password@host:port/vhost),
/// the form every RabbitMQ client understands, and hands each part to MassTransit explicitly. A
/// cluster's other nodes come from <c>Ingestion:ClusterNodes</c> (an AMQP URI names one host); they
/// share the URI's credentials, virtual host and TLS.
/// </summary>
internal sealed class AmqpAddress
{
    public const string ClusterNodesSetting = $"{IngestionOptions.Section}:ClusterNodes";

    private AmqpAddress(Uri uri, IReadOnlyList<(string Host, int Port)> nodes)
    {
        Uri = uri;
        Nodes = nodes;
    }

    public Uri Uri { get; }

    /// <summary>The URI's host first, then the cluster's other nodes: the order connections try them in.</summary>
    public IReadOnlyList<(string Host, int Port)> Nodes { get; }

    private bool Secure => Uri.Scheme == "amqps";

    public static AmqpAddress Parse(string amqpUri, IReadOnlyList<string> clusterNodes)
    {
        if (!Uri.TryCreate(amqpUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new StartupProblemException("ConnectionStrings:RabbitMq must be an AMQP URI: amqp://user:password@host:port/vhost");
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;
        var nodes = new List<(string Host, int Port)> { (uri.Host, port) };
        foreach (var node in clusterNodes)
        {
            nodes.Add(Node(node, port));
        }

        return new AmqpAddress(uri, nodes.Distinct().ToList());
    }

    /// <summary><c>host</c> or <c>host:port</c>; the port defaults to the URI's.</summary>
    private static (string Host, int Port) Node(string node, int defaultPort)
    {
        var parts = node.Trim().Split(':');
        var valid = parts[0].Length > 0 && Uri.CheckHostName(parts[0]) != UriHostNameType.Unknown;
        var port = defaultPort;
        if (parts.Length > 2 || !valid || (parts.Length == 2 && !(int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536)))
        {
            throw new StartupProblemException($"{ClusterNodesSetting} must list nodes as host or host:port, not '{node}'.");
        }

        return (parts[0], port);
    }

    public void ConfigureHost(IRabbitMqBusFactoryConfigurator bus)
    {
        var (host, port) = Nodes[0];
        var virtualHost = Uri.AbsolutePath is "" or "/" ? "/" : Uri.UnescapeDataString(Uri.AbsolutePath.TrimStart('/'));
        var user = Uri.UserInfo.Split(':', 2);

        bus.Host(host, (ushort)port, virtualHost, configure =>
        {
            if (user[0].Length > 0)
            {
                configure.Username(Uri.UnescapeDataString(user[0]));
                configure.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : string.Empty);
            }

            if (Secure)
            {
                configure.UseSsl(ssl => ssl.ServerName = host);
            }

            if (Nodes.Count > 1)
            {
                // Each new connection tries the nodes in order, the URI's host first.
                configure.UseCluster(cluster =>
                {
                    foreach (var node in Nodes)
                    {
                        cluster.Node($"{node.Host}:{node.Port}");
                    }
                });
            }
        });
    }

    /// <summary>For RabbitMQ.Client directly: the nodes, each with the URI's TLS.</summary>
    public IReadOnlyList<AmqpTcpEndpoint> Endpoints() =>
        [.. Nodes.Select(node => new AmqpTcpEndpoint(node.Host, node.Port, Secure ? new SslOption(node.Host) : new SslOption()))];
}
