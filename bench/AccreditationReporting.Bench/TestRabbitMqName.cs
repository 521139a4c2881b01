namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// The linked LocalRabbitMq names this variable when rabbitmq-server is missing. The tests' own
/// TestRabbitMq would bring Testcontainers and the tests' server choice with it; the bench only
/// needs its own variable's name there.
/// </summary>
internal static class TestRabbitMq
{
    public const string EnvironmentVariable = Bench.BenchServers.RabbitMqVariable;
}
