using AccreditationReporting.Retention;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Retention;

/// <summary>Runs the service's own purge, as its schedule would, on a clock of the test's.</summary>
internal static class Purges
{
    public static async Task<RetentionRun?> RunAsync(ReportingService service, TimeProvider time, CancellationToken cancellationToken = default)
    {
        await using var scope = service.Services.CreateAsyncScope();
        return await ActivatorUtilities.CreateInstance<RetentionPurge>(scope.ServiceProvider, time).RunAsync(cancellationToken);
    }

    /// <summary>Noon UTC today: the tests' "now", a day from either edge of a retention.</summary>
    public static DateTimeOffset TodayAtNoon => new(DateTime.UtcNow.Date.AddHours(12), TimeSpan.Zero);
}
