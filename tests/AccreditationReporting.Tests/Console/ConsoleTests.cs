using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>The console over plain HTTP against the real service: sign-in, pages, forms, the download and their audit entries.</summary>
public sealed partial class ConsoleTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const string Recipient = "accme-pars-learners";

    [Fact]
    public async Task TheDevelopmentSignInAsComplianceSetsACookieAndTheOverviewListsABatchMadeOverGrpc()
    {
        var batch = await NewBatchAsync();
        var (browser, cookies) = fixture.Service.CreateBrowser();

        await SignInAsync(browser, "compliance");

        Assert.Contains(cookies.GetAllCookies(), c => c.Name == "accreditation-console" && c.HttpOnly);
        var overview = await browser.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        var html = await overview.Content.ReadAsStringAsync();
        Assert.Contains($"<a href=\"/console/batches/{batch.Id}\">{batch.Id}</a>", html);
        Assert.Contains("<time datetime=", html);
        Assert.Contains("Create the next batch for accme-pars-learners", html);
    }

    [Fact]
    public async Task WithoutSigningInTheConsoleSendsTheBrowserToTheSignIn()
    {
        var (browser, _) = fixture.Service.CreateBrowser();

        var overview = await browser.GetAsync("/console");

        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.StartsWith("/console/sign-in", overview.RequestMessage!.RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task AnAuditorReadsABatchButCannotDownloadIt()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "auditor");

        var page = await browser.GetAsync($"/console/batches/{batch.Id}");
        var download = await browser.GetAsync($"/console/batches/{batch.Id}/file");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("/file\"", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
        Assert.Contains("Not allowed", await download.Content.ReadAsStringAsync());
        var refusals = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'batch.download' AND outcome = 'permission-denied' AND peer IS NOT NULL AND actor_subject = 'development-auditor'");
        Assert.NotEmpty(refusals);
    }

    [Fact]
    public async Task ThePrivacyOfficeSignsInButSeesNoBatches()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "privacy-officer");

        var overview = await browser.GetStringAsync("/console");
        var page = await browser.GetAsync($"/console/batches/{batch.Id}");

        Assert.Contains("Your role has nothing to see here yet.", overview);
        Assert.DoesNotContain("/console/batches/", overview);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryTokenIsRejected()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "compliance");

        var post = await browser.PostAsync($"/console/batches/{batch.Id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.Method"] = "PARS batch upload", ["Form.SubmittedAt"] = "2030-01-01T10:00", ["Form.Outcome"] = "Accepted",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Empty(await fixture.Service.Database.ColumnAsync<long>(
            "SELECT id FROM accreditation.export_submissions WHERE batch_id = @batch", ("batch", batch.Id)));
    }

    [Fact]
    public async Task ASubmissionRecordedThroughTheFormIsOnTheBatchPageAndAuditedWithTheSignedInActor()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "compliance");
        var token = Antiforgery(await browser.GetStringAsync($"/console/batches/{batch.Id}"));

        var invalid = await browser.PostAsync($"/console/batches/{batch.Id}", Form(token, method: "", submittedAt: "yesterday"));
        var invalidHtml = await invalid.Content.ReadAsStringAsync();
        var recorded = await browser.PostAsync($"/console/batches/{batch.Id}", Form(token, method: "PARS batch upload", submittedAt: "2099-01-02T03:04"));

        Assert.Contains("Say how the batch was submitted", invalidHtml);
        Assert.Contains("Give the date and time it was submitted, in UTC.", invalidHtml);
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        var page = await recorded.Content.ReadAsStringAsync();
        Assert.Contains("The submission was recorded.", page);
        Assert.Contains("PARS batch upload", page);
        Assert.Contains("<time datetime=\"2099-01-02T03:04:00Z\" title=\"2099-01-02 03:04 UTC\">", page);
        Assert.Contains("confirmation 42", page);
        var actors = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || array_to_string(actor_roles, ',') FROM accreditation.audit_events WHERE action = 'submission.record' AND target = @target",
            ("target", $"batch:{batch.Id}"));
        Assert.Equal(["development-compliance compliance"], actors);
        var submittedBy = await fixture.Service.Database.ScalarAsync<string>(
            "SELECT submitted_by FROM accreditation.export_submissions WHERE batch_id = @batch", ("batch", batch.Id));
        Assert.Equal("Development compliance (development-compliance)", submittedBy);
    }

    [Fact]
    public async Task TheDownloadIsTheStoredFileWhoseHashIsTheManifestsAndIsAuditedStartedAndCompleted()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "compliance");

        var download = await browser.GetAsync($"/console/batches/{batch.Id}/file");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(batch.Manifest.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(batch.Manifest.ByteLength, bytes.Length);
        Assert.Equal(batch.Manifest.FileName, download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var grpcFile = await fixture.DownloadAsync(batch.Id);
        Assert.Equal(grpcFile.Bytes, bytes);
        var entries = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT outcome || ' ' || actor_subject || ' ' || sha256 FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @target AND actor_subject = 'development-compliance' ORDER BY id",
            ("target", $"batch:{batch.Id}"));
        Assert.Equal([$"started development-compliance {batch.Manifest.Sha256}", $"completed development-compliance {batch.Manifest.Sha256}"], entries);
    }

    [Fact]
    public async Task AGrpcCallWithTheConsoleCookieButNoBearerTokenIsUnauthenticated()
    {
        var (browser, cookies) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "compliance");
        var cookieHeader = cookies.GetCookieHeader(new Uri(fixture.Service.Address, "/console"));
        Assert.Contains("accreditation-console=", cookieHeader);

        using var channel = GrpcChannel.ForAddress(fixture.Service.Address);
        var exports = new ExportService.ExportServiceClient(channel);
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            exports.ListBatchesAsync(new ListBatchesRequest(), new Metadata { { "cookie", cookieHeader } }).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task AnAuditorWhoPostsTheFormsWithTheirTokenIsRefusedAndTheRefusalIsAudited()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "auditor");
        var token = Antiforgery(await browser.GetStringAsync($"/console/batches/{batch.Id}"));

        var submission = await browser.PostAsync($"/console/batches/{batch.Id}", Form(token, method: "PARS batch upload", submittedAt: "2099-01-02T03:04"));

        Assert.Equal(HttpStatusCode.Forbidden, submission.StatusCode);
        Assert.Equal(0L, await fixture.Service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.export_submissions WHERE batch_id = @batch", ("batch", batch.Id)));
        Assert.Contains("permission-denied development-auditor", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT outcome || ' ' || actor_subject FROM accreditation.audit_events WHERE action = 'submission.record' AND target = @target",
            ("target", $"batch:{batch.Id}")));
    }

    [Fact]
    public async Task ADownloadStartedFromAnotherSiteIsRefused()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await SignInAsync(browser, "compliance");

        HttpRequestMessage From(string site) => new(HttpMethod.Get, $"/console/batches/{batch.Id}/file")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Headers = { { "Sec-Fetch-Site", site } },
        };
        using var crossSite = From("cross-site");
        using var sameOrigin = From("same-origin");
        var refused = await browser.SendAsync(crossSite);
        var served = await browser.SendAsync(sameOrigin);

        Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("cross-site-refused", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT outcome FROM accreditation.audit_events WHERE action = 'batch.download' AND target = @target", ("target", $"batch:{batch.Id}")));
    }

    private async Task<ExportBatch> NewBatchAsync()
    {
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient });
        Assert.True(created.Created);
        return created.Batch;
    }

    internal static async Task SignInAsync(HttpClient browser, string role)
    {
        var token = Antiforgery(await browser.GetStringAsync("/console/sign-in"));
        var signedIn = await browser.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["Role"] = role,
        }));
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal("/console", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
    }

    private static FormUrlEncodedContent Form(string token, string method, string submittedAt) => new(new Dictionary<string, string>
    {
        ["__RequestVerificationToken"] = token, ["Form.Method"] = method, ["Form.SubmittedAt"] = submittedAt,
        ["Form.Outcome"] = "Accepted", ["Form.RecipientResponse"] = "confirmation 42",
    });

    internal static string Antiforgery(string html) => WebUtility.HtmlDecode(AntiforgeryField().Match(html) is { Success: true } match
        ? match.Groups["token"].Value
        : throw new Xunit.Sdk.XunitException("the page has no antiforgery token"));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
