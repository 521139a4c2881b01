using AccreditationReporting.Hosting;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// <c>Ingestion:QueueType</c>: a classic queue for one broker node, a quorum queue (replicated) for a
/// cluster. The type is read back the way any AMQP client can: RabbitMQ accepts a declaration only with
/// the type the queue has, and names <c>x-queue-type</c> when refusing one.
/// </summary>
public sealed class IngestionQueueTypeTests
{
    [Fact]
    public async Task WithQueueTypeQuorumTheQueueAndItsErrorQueuesAreQuorumQueuesAndEventsFlowThroughThem()
    {
        await using var service = await ReportingService.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Ingestion:QueueType"] = "quorum",
        });
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);

        var (eventId, _, json) = SampleEvents.Fresh();
        await publisher.PublishAsync(service.EndpointName, json.ToJson());
        await service.Database.WaitForStoredAsync(eventId);

        foreach (var queue in new[] { service.EndpointName }.Concat(ErrorQueues.Of(service.EndpointName)))
        {
            Assert.Equal(IngestionQueueTypes.Quorum, await QueueTypeAsync(service.RabbitMqUri!, queue, queue != service.EndpointName));
        }
    }

    [Fact]
    public async Task TheQueueIsClassicByDefault()
    {
        await using var service = await ReportingService.StartAsync();

        Assert.Equal(IngestionQueueTypes.Classic, await QueueTypeAsync(service.RabbitMqUri!, service.EndpointName, withTtl: false));
        Assert.Equal(IngestionQueueTypes.Classic, await QueueTypeAsync(service.RabbitMqUri!, $"{service.EndpointName}_error", withTtl: true));
    }

    [Fact]
    public async Task AClassicQueueFoundWhereAQuorumQueueIsConfiguredStopsTheStartSayingWhatToDo()
    {
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        var endpointName = $"course-completed-test-{Guid.NewGuid():N}";
        await using (var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(endpointName, durable: true, exclusive: false, autoDelete: false);
        }

        var problem = await Assert.ThrowsAsync<StartupProblemException>(() =>
            new IngestionQueueDeclaration(
                    AmqpAddress.Parse(amqpUri, []),
                    new IngestionOptions { EndpointName = endpointName, QueueType = IngestionQueueTypes.Quorum },
                    NullLogger<IngestionQueueDeclaration>.Instance)
                .StartAsync(CancellationToken.None));

        Assert.StartsWith($"Not starting: RabbitMQ queue '{endpointName}' exists with other arguments than a quorum queue (Ingestion:QueueType) has (", problem.Message);
        Assert.Contains("inequivalent arg 'x-queue-type'", problem.Message, StringComparison.Ordinal);
        Assert.EndsWith("A queue cannot change type in place: drain it, delete it, then start again; README, 'Configuration'.", problem.Message);
        Assert.DoesNotContain('\n', problem.Message);
    }

    [Fact]
    public async Task AQuorumQueueFoundWhereAClassicQueueIsConfiguredStopsTheProcessWithOneLine()
    {
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        var owner = await TestPostgres.CreateDatabaseAsync();
        var endpointName = $"course-completed-test-{Guid.NewGuid():N}";
        await using (var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(endpointName, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { [IngestionQueueTypes.Argument] = IngestionQueueTypes.Quorum });
        }

        await ServiceProcess.MigrateAsync(owner);
        var (exit, _, errors) = await ServiceProcess.RunToExitAsync(["run"], ServiceProcess.Deployment(owner, amqpUri, new Dictionary<string, string?>
        {
            ["Ingestion:EndpointName"] = endpointName,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPort.Free()}",
        }));

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"RabbitMQ queue '{endpointName}' exists with other arguments than a classic queue", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mirrored")]
    [InlineData("Quorum")]
    [InlineData("")]
    public async Task AnyOtherQueueTypeStopsTheStartWithOneLine(string queueType)
    {
        var (exit, _, errors) = await ServiceProcess.RunToExitAsync(["run"], ServiceProcess.Deployment(
            "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing", "amqp://nobody:x@127.0.0.1:1/",
            new Dictionary<string, string?> { ["Ingestion:QueueType"] = queueType }));

        Assert.Equal(2, exit);
        Assert.Equal(
            $"Ingestion:QueueType must be 'classic' (one broker node) or 'quorum' (a cluster), not '{queueType}'.",
            Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void ClusterNodesFollowTheUrisHostAndTakeItsPortUnlessTheyNameTheirOwn()
    {
        var address = AmqpAddress.Parse("amqp://user:secret@rabbit-0:5673/reporting", ["rabbit-1", "rabbit-2:5680", "rabbit-0:5673"]);

        Assert.Equal([("rabbit-0", 5673), ("rabbit-1", 5673), ("rabbit-2", 5680)], address.Nodes);
        Assert.Equal(["rabbit-0:5673", "rabbit-1:5673", "rabbit-2:5680"], address.Endpoints().Select(e => $"{e.HostName}:{e.Port}"));
    }

    [Theory]
    [InlineData("rabbit-1:")]
    [InlineData("rabbit-1:notaport")]
    [InlineData("rabbit-1:70000")]
    [InlineData("amqp://rabbit-1")]
    [InlineData("")]
    public void AClusterNodeThatIsNotHostOrHostAndPortStopsTheStart(string node)
    {
        var problem = Assert.Throws<StartupProblemException>(() => AmqpAddress.Parse("amqp://rabbit-0/", [node]));

        Assert.Equal($"Ingestion:ClusterNodes must list nodes as host or host:port, not '{node}'.", problem.Message);
    }

    /// <summary>
    /// Which type RabbitMQ holds the queue as: a declaration of the other type is refused with
    /// PRECONDITION_FAILED naming x-queue-type (a classic queue is declared with no type, as MassTransit does).
    /// </summary>
    private static async Task<string> QueueTypeAsync(string amqpUri, string queue, bool withTtl)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        string? accepted = null;
        foreach (var type in new[] { IngestionQueueTypes.Classic, IngestionQueueTypes.Quorum })
        {
            var arguments = new Dictionary<string, object?>();
            if (type == IngestionQueueTypes.Quorum)
            {
                arguments[IngestionQueueTypes.Argument] = IngestionQueueTypes.Quorum;
            }

            if (withTtl)
            {
                arguments[ErrorQueues.MessageTtlArgument] = ErrorQueues.MessageTtlMilliseconds(TimeSpan.FromDays(30));
            }

            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
                Assert.Null(accepted);
                accepted = type;
            }
            catch (OperationInterruptedException refused) when (refused.ShutdownReason?.ReplyCode == 406)
            {
                Assert.Contains("x-queue-type", refused.ShutdownReason.ReplyText, StringComparison.Ordinal);
            }
        }

        return accepted ?? throw new InvalidOperationException($"RabbitMQ accepted {queue} as neither type.");
    }
}
