using AccreditationReporting.StaffConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using System.Net;
using AccreditationReporting.Access;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.AspNetCore.WebUtilities;

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

    [Fact]
    public async Task InProductionTheConsoleSendsTheBrowserToTheApisIdentityProviderWithPkce()
    {
        await using var provider = await IdentityProvider.StartAsync();
        var section = AccessExtensions.Section;
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: true, environment: "Production", settings: new Dictionary<string, string?>
            {
                ["Database:MigrateOnStartup"] = "true",
                [$"{section}:Authority"] = provider.Authority,
                [$"{section}:Audience"] = "accreditation-api",
                [$"{section}:RequireHttpsMetadata"] = "false",
                ["Console:OpenIdConnect:ClientId"] = "accreditation-console",
            });
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = service.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        var overview = await browser.GetAsync("/console");

        Assert.Equal(HttpStatusCode.Redirect, overview.StatusCode);
        var location = overview.Headers.Location!;
        Assert.Equal($"{provider.Authority}/authorize", location.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("accreditation-console", query["client_id"].ToString());
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Equal(new Uri(service.Address, "/console/signin-oidc").ToString(), query["redirect_uri"].ToString());
    }

    [Fact]
    public void AConsoleClientThatIsOneOfTheApisAudiencesStopsTheStart()
    {
        // Its ID tokens would carry an audience the API takes, and pass as bearer tokens.
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{AccessExtensions.Section}:Audience"] = "accreditation-api",
            ["Console:OpenIdConnect:ClientId"] = "accreditation-api",
        });
        var problem = Assert.Throws<AccreditationReporting.Hosting.StartupProblemException>(() => builder.AddConsole());
        Assert.Contains("Console:OpenIdConnect:ClientId is one of the API's audiences", problem.Message);
    }
}
