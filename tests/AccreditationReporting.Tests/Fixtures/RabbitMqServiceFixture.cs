namespace AccreditationReporting.Tests.Fixtures;

/// <summary>The real service on RabbitMQ, shared by a test class, and a plain AMQP publisher.</summary>
public class RabbitMqServiceFixture : IAsyncLifetime
{
    public ReportingService Service { get; private set; } = null!;

    public RawPublisher Publisher { get; private set; } = null!;

    /// <summary>Settings on top of the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        Service = await ReportingService.StartAsync(useRabbitMq: true, settings: Settings);
        Publisher = await RawPublisher.ConnectAsync(Service.RabbitMqUri!);
    }

    public async Task DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Service.DisposeAsync();
    }
}
