using Testcontainers.RabbitMq;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// One RabbitMQ broker per test run (from <c>ACCREDITATION_TEST_RABBITMQ</c>, an AMQP URI,
/// Testcontainers or a local throwaway node). Tests keep apart by using their own endpoint names.
/// </summary>
internal static class TestRabbitMq
{
    public const string EnvironmentVariable = "ACCREDITATION_TEST_RABBITMQ";

    private static readonly Lazy<Task<string>> Broker = new(async () =>
    {
        var (uri, owner) = await ServerSource.ChooseAsync(
            EnvironmentVariable,
            async () =>
            {
                var container = new RabbitMqBuilder("rabbitmq:3.13-alpine").Build();
                await container.StartAsync();
                return (container.GetConnectionString(), container);
            },
            async () =>
            {
                var local = await LocalRabbitMq.StartAsync();
                return (local.AmqpUri, local);
            });
        ServerSource.StopAtExit(owner);
        return uri;
    });

    public static Task<string> AmqpUriAsync() => Broker.Value;
}
