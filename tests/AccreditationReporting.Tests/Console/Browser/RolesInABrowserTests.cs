using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>Each role signs in through the development sign-in page in Chromium and sees what it may.</summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed class RolesInABrowserTests(ConsoleBrowserFixture fixture)
{
    private const string Recipient = ConsoleBrowserFixture.Recipient;

    [Theory]
    [InlineData("compliance", new[] { "Overview", "Rejected events" })]
    [InlineData("auditor", new[] { "Overview", "Audit trail" })]
    [InlineData("privacy-officer", new[] { "Overview", "Privacy office" })]
    public async Task EachRoleSignsInThroughTheSignInPageAndSeesTheLinksAndActionsItsRoleAllows(string role, string[] links)
    {
        await fixture.NewBatchAsync();
        await using var session = await fixture.SignInAsync(role);
        var page = session.Page;

        var navigation = page.GetByRole(AriaRole.Navigation, new PageGetByRoleOptions { Name = "Console" });
        await Expect(navigation.GetByRole(AriaRole.Link)).ToHaveTextAsync(links);
        await Expect(page.GetByText($"Signed in as Development {role}")).ToBeVisibleAsync();
        var create = page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = $"Create the next batch for {Recipient}" });
        var batches = page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = Recipient, Exact = true });
        switch (role)
        {
            case "compliance":
                await Expect(create).ToBeVisibleAsync();
                await Expect(batches).ToBeVisibleAsync();
                break;
            case "auditor":
                await Expect(batches).ToBeVisibleAsync();
                await Expect(create).ToHaveCountAsync(0);
                break;
            default:
                await Expect(page.GetByText("Your role has nothing to see here yet.")).ToBeVisibleAsync();
                await Expect(batches).ToHaveCountAsync(0);
                await Expect(create).ToHaveCountAsync(0);
                break;
        }
    }

    [Theory]
    [InlineData("auditor", "/console/privacy")]
    [InlineData("auditor", "/console/rejected")]
    [InlineData("privacy-officer", "/console/audit")]
    [InlineData("compliance", "/console/audit")]
    public async Task ARoleWithoutAccessToAPageGetsTheNotAllowedPage(string role, string path)
    {
        await using var session = await fixture.SignInAsync(role);

        var response = await session.Page.GotoAsync(path);

        Assert.Equal(403, response?.Status);
        await Expect(session.Page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 })).ToHaveTextAsync("Not allowed");
    }
}
