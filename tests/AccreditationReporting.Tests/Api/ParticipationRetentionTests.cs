using System.Globalization;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Api;

/// <summary>
/// ACCME's retention period is 6 years from the activity date: a participation is verifiable through
/// the activity's end date plus 6 years, and not found the day after, though its rows are still there.
/// </summary>
public sealed class ParticipationRetentionTests(FakeClockServiceFixture fixture) : IClassFixture<FakeClockServiceFixture>
{
    [Fact]
    public async Task AParticipationIsVerifiableUntilSixYearsAfterTheActivityEndedAndNotFoundTheDayAfter()
    {
        var today = DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);
        var endDate = today.AddYears(-6);
        var activity = NewActivity();
        var stored = Completion(activity, change: e =>
        {
            e["activity"]!["startDate"] = Iso(endDate.AddDays(-30));
            e["activity"]!["endDate"] = Iso(endDate);
            e["completedOn"] = Iso(endDate);
            e["occurredAt"] = $"{Iso(endDate)}T12:00:00Z";
        });
        await fixture.StoreAsync(stored);

        // Valid for days of the fake clock, should the token check read it too.
        var auditor = new ParticipationService.ParticipationServiceClient(fixture.Service.CreateChannelWithToken(
            TestTokens.Mint([StaffRoles.Auditor], subject: "tester-auditor", expires: DateTimeOffset.UtcNow.AddDays(3))));
        var request = new VerifyParticipationRequest { LearnerId = LearnerId(stored), ActivityId = activity };

        Assert.Single((await auditor.VerifyParticipationAsync(request)).Participations);

        fixture.Clock.SetUtcNow(new DateTimeOffset(today.ToDateTime(new TimeOnly(23, 59, 59)), TimeSpan.Zero));
        Assert.Single((await auditor.VerifyParticipationAsync(request)).Participations);

        fixture.Clock.SetUtcNow(new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        var error = await Assert.ThrowsAsync<RpcException>(() => auditor.VerifyParticipationAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);

        // Not because anything was deleted: the purpose the record was kept for has ended.
        Assert.Equal(1L, await fixture.Service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.completions WHERE event_id = @id", ("id", Guid.Parse(EventId(stored)))));
        Assert.Equal(["ok", "ok", "not-found"], await fixture.Service.Database.ColumnAsync<string>(
            "SELECT outcome FROM accreditation.audit_events WHERE action = 'participation.verify' AND details->>'activity_id' = @a ORDER BY id",
            ("a", activity)));
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
