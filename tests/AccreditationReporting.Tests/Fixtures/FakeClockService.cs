using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>The service on a clock the test moves: one of its own, since moving it would disturb other tests.</summary>
public sealed class FakeClockServiceFixture : ExportServiceFixture, IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    async Task IAsyncLifetime.InitializeAsync() =>
        Attach(await ReportingService.StartAsync(useRabbitMq: false, services: s => s.AddSingleton<TimeProvider>(Clock)));
}
