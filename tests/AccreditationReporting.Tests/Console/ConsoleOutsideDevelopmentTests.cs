using System.Net;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>The console as a deployment serves it: no development sign-in, no way round the identity provider.</summary>
public sealed class ConsoleOutsideDevelopmentTests
{
    [Fact]
    public async Task InProductionTheDevelopmentSignInDoesNotExist()
    {
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: true, environment: "Production", settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "true" });
        var (browser, _) = service.CreateBrowser();

        var signIn = await browser.GetAsync("/console/sign-in");
        var post = await browser.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["Role"] = "compliance" }));
        var overview = await browser.GetAsync("/console");

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);

        // No identity provider configured here: the console says so rather than let anyone in.
        Assert.Equal(HttpStatusCode.Unauthorized, overview.StatusCode);
    }
}
