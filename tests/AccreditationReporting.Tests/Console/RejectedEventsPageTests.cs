using System.Net;
using AccreditationReporting.Privacy;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>
/// The rejected events page over HTTP against the real service, which has only one policy version
/// enabled: an event under another is rejected, listed by rule and field, and replayed from the page.
/// </summary>
public sealed class RejectedEventsPageTests(RejectedEventsPageTests.OnePolicyFixture fixture) : IClassFixture<RejectedEventsPageTests.OnePolicyFixture>
{
    public sealed class OnePolicyFixture : ExportServiceFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings => OnePolicy;
    }

    /// <summary>Only the README example's policy enabled, so <see cref="RejectAsync"/> can make a rejection.</summary>
    internal static IReadOnlyDictionary<string, string?> OnePolicy { get; } =
        new Dictionary<string, string?> { ["Policies:Enabled:0"] = PolicyVersions.MayoCme };

    [Fact]
    public async Task ComplianceSeesTheRejectionByRuleAndFieldWithoutTheLearner()
    {
        var (id, learnerId) = await RejectAsync(fixture.Service);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var overview = await browser.GetStringAsync("/console");
        var page = await browser.GetAsync("/console/rejected");

        Assert.Contains("<a href=\"/console/rejected\">Rejected events</a>", overview);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"<th scope=\"row\">{id}</th>", html);
        Assert.Contains("<code>policy-not-enabled</code>", html);
        Assert.Contains("<code>policyVersion</code>", html);
        Assert.DoesNotContain(learnerId, html);
        Assert.Contains("development-compliance", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'rejected-events.list' AND details->>'via' = 'console'"));
    }

    [Fact]
    public async Task AReplayFromThePageShowsItsOutcomeAndIsAuditedWithTheSignedInActor()
    {
        var (id, learnerId) = await RejectAsync(fixture.Service);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");
        var token = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console/rejected"));

        var replayed = await browser.PostAsync("/console/rejected?handler=Replay", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var html = await replayed.Content.ReadAsStringAsync();
        Assert.Contains("Replay results", html);
        Assert.Matches($"<th scope=\"row\">{id}</th>\\s*<td>still rejected</td>", html);
        Assert.Contains("<li><code>policy-not-enabled</code> at <code>policyVersion</code>", html);
        Assert.DoesNotContain(learnerId, html);
        var entries = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || target || ' ' || (details->>'StillRejected') FROM accreditation.audit_events WHERE action = 'rejected-events.replay' AND details->>'ids' = @ids AND details->>'via' = 'console'",
            ("ids", id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["development-compliance rejected-events 1"], entries);
        Assert.Equal(1, await fixture.Service.Database.ScalarAsync<int>(
            "SELECT replays FROM accreditation.rejected_events WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task ReplayAllOpenReplaysEachOpenRejection()
    {
        var (id, _) = await RejectAsync(fixture.Service);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");
        var token = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console/rejected"));

        var replayed = await browser.PostAsync("/console/rejected?handler=ReplayAll", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Matches($"<th scope=\"row\">{id}</th>\\s*<td>still rejected</td>", await replayed.Content.ReadAsStringAsync());
        Assert.Contains("development-compliance rejected-events:all-open", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || target FROM accreditation.audit_events WHERE action = 'rejected-events.replay' AND details->>'via' = 'console'"));
    }

    [Fact]
    public async Task ResolvedOnlyLeavesOutTheOpenOnesAndAnUnknownStatusIsAnsweredNextToTheFilter()
    {
        var (id, _) = await RejectAsync(fixture.Service);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var resolved = await browser.GetStringAsync("/console/rejected?status=resolved");
        var unknown = await browser.GetStringAsync("/console/rejected?status=closed");

        Assert.DoesNotContain($"<th scope=\"row\">{id}</th>", resolved);
        Assert.Contains("<span id=\"status-error\" class=\"field-error\">Choose one of open, resolved, any.</span>", unknown);
        Assert.Contains($"<th scope=\"row\">{id}</th>", unknown);
    }

    [Fact]
    public async Task AnAuditorMayNotSeeOrReplayRejections()
    {
        var (id, _) = await RejectAsync(fixture.Service);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");
        var token = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console"));

        var page = await browser.GetAsync("/console/rejected");
        var replay = await browser.PostAsync("/console/rejected?handler=Replay", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, replay.StatusCode);
        Assert.DoesNotContain("/console/rejected", await browser.GetStringAsync("/console"));
        Assert.Equal(0, await fixture.Service.Database.ScalarAsync<int>(
            "SELECT replays FROM accreditation.rejected_events WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task RejectionsAreCountedByRuleAndFieldAndTheListNarrowsToOne()
    {
        var (policy, _) = await RejectAsync(fixture.Service);
        var (underAge, _) = await RejectAsync(fixture.Service, e => e["learner"]!["birthYear"] = DateTime.UtcNow.Year - 10);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var all = await browser.GetStringAsync("/console/rejected");
        var narrowed = await browser.GetStringAsync("/console/rejected?status=open&rule=under-age&field=learner.birthYear");

        Assert.Matches("<a href=\"/console/rejected\\?status=open&amp;rule=under-age&amp;field=learner.birthYear\"><code>under-age</code></a></th>\\s*<td><code>learner.birthYear</code></td>\\s*<td>\\d+</td>", all);
        Assert.Matches("<code>policy-not-enabled</code></a></th>\\s*<td><code>policyVersion</code></td>", all);
        Assert.Contains($"<th scope=\"row\">{underAge}</th>", narrowed);
        Assert.DoesNotContain($"<th scope=\"row\">{policy}</th>", narrowed);
        Assert.Contains("value=\"under-age\"", narrowed);
    }

    /// <summary>
    /// An event rejected by <paramref name="service"/>, its message kept for replay: by default one under
    /// a policy version the service has not enabled (one started with <see cref="OnePolicy"/>).
    /// </summary>
    internal static async Task<(long Id, string LearnerId)> RejectAsync(ReportingService service, Action<System.Text.Json.Nodes.JsonObject>? change = null)
    {
        var (eventId, learnerId, json) = SampleEvents.Fresh(change ?? (e => e["policyVersion"] = PolicyVersions.Medmastery));
        await service.Services.GetRequiredService<MassTransit.IBus>().Publish(json.ToMessage());
        long id = 0;
        await Eventually.TrueAsync(
            async () => (id = (await service.Database.ColumnAsync<long>(
                "SELECT id FROM accreditation.rejected_events WHERE event_id = @id", ("id", eventId))).SingleOrDefault()) > 0,
            what: $"event {eventId} rejected");
        return (id, learnerId);
    }
}
