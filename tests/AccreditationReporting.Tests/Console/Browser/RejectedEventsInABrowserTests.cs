using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>Compliance replays a rejected event from the rejected events page in Chromium.</summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed class RejectedEventsInABrowserTests(ConsoleBrowserFixture fixture)
{
    [Fact]
    public async Task ComplianceReplaysARejectedEventAndSeesItsOutcome()
    {
        var (id, learnerId) = await RejectedEventsPageTests.RejectAsync(fixture.Service);
        await using var session = await fixture.SignInAsync("compliance");
        var page = session.Page;
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Rejected events" }).ClickAsync();
        await ConsoleBrowserFixture.ArrivedAsync(page, new Regex("/console/rejected$"));

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = $"Replay rejection {id}", Exact = true }).ClickAsync();

        var results = page.GetByRole(AriaRole.Table, new PageGetByRoleOptions { Name = "What each replayed rejection became" });
        await Expect(results.Locator($"tr:has(th:text-is('{id}')) td").First).ToHaveTextAsync("still rejected");
        await Expect(results).ToContainTextAsync("policy-not-enabled at policyVersion");
        await Expect(page.Locator("body")).Not.ToContainTextAsync(learnerId);
        Assert.Equal(1, await fixture.Service.Database.ScalarAsync<int>(
            "SELECT replays FROM accreditation.rejected_events WHERE id = @id", ("id", id)));
    }
}
