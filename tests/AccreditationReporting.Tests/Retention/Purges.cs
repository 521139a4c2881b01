using System.Globalization;
using System.Text.Json.Nodes;
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

    /// <summary>The event on an activity that ended on <paramref name="ended"/>, completed that day.</summary>
    public static JsonObject EndedOn(JsonObject e, DateOnly ended, int hour = 9)
    {
        e["activity"]!["startDate"] = ended.AddDays(-90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        e["activity"]!["endDate"] = ended.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        e["completedOn"] = ended.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        e["occurredAt"] = ended.ToDateTime(new TimeOnly(hour, 0), DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return e;
    }

    /// <summary>How many of the trail's retention.purge entries record <c>@part</c>.</summary>
    public const string EntriesOfPart =
        "SELECT count(*) FROM accreditation.audit_events WHERE action = 'retention.purge' AND details->>'part' = @part";
}
