using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>The privacy office page over HTTP against the real service: find, access copy, rectification, erasure.</summary>
public sealed class PrivacyPageTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task ThePrivacyOfficeFindsAStoredLearnerWithoutSeeingTheirData()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();

        var overview = await browser.GetStringAsync("/console");
        var html = await FoundAsync(browser, learnerId);

        Assert.Contains("<a href=\"/console/privacy\">Privacy office</a>", overview);
        Assert.Contains("<p id=\"holding\">learner stored</p>", html);
        var names = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT last_name FROM accreditation.learner_profiles WHERE learner_key = @key", ("key", key));
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            Assert.DoesNotContain(name, html);
        }

        Assert.Contains("<p id=\"holding\">nothing</p>", await FoundAsync(browser, $"nobody-{Guid.NewGuid():N}"));
        Assert.Contains("development-privacy-officer", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'learner-record.read' AND target = @target AND details->>'via' = 'console'",
            ("target", $"learner:{key}")));
    }

    [Fact]
    public async Task TheAccessCopyIsAJsonDownloadNamedByTheLearnerKeyWhoseHashIsAudited()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();
        var token = ConsoleTests.Antiforgery(await FoundAsync(browser, learnerId));

        var download = await browser.PostAsync("/console/privacy?handler=AccessCopy", Form(token, learnerId, ("request_reference", "DSR-CONSOLE-1")));

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"access-copy-learner-{key}.json", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        using var document = JsonDocument.Parse(bytes);
        Assert.Contains(learnerId, document.RootElement.GetRawText());
        var entries = await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || sha256 || ' ' || (details->>'request_reference') FROM accreditation.audit_events WHERE action = 'learner.access-copy' AND target = @target AND details->>'via' = 'console'",
            ("target", $"learner:{key}"));
        Assert.Equal([$"development-privacy-officer {Convert.ToHexStringLower(SHA256.HashData(bytes))} DSR-CONSOLE-1"], entries);
    }

    [Fact]
    public async Task ARectifiedLastNameIsShownAndAuditedWithTheSignedInActor()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();
        var token = ConsoleTests.Antiforgery(await FoundAsync(browser, learnerId));

        var rectified = await browser.PostAsync("/console/privacy?handler=Rectify", Form(
            token, learnerId, ("last_name", "Doe-Smith"), ("request_reference", "DSR-CONSOLE-2")));

        Assert.Equal(HttpStatusCode.OK, rectified.StatusCode);
        Assert.Contains("<li>last-name corrected</li>", await rectified.Content.ReadAsStringAsync());
        Assert.Equal(["development-privacy-officer DSR-CONSOLE-2"], await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || (details->>'request_reference') FROM accreditation.audit_events WHERE action = 'learner.rectify' AND target = @target",
            ("target", $"learner:{key}")));
        Assert.Equal(["Doe-Smith"], await fixture.Service.Database.ColumnAsync<string>(
            "SELECT last_name FROM accreditation.learner_profiles WHERE learner_key = @key", ("key", key)));
    }

    [Fact]
    public async Task ARectificationWithoutAReferenceIsAnsweredNextToTheFieldAndChangesNothing()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();
        var token = ConsoleTests.Antiforgery(await FoundAsync(browser, learnerId));

        var refused = await browser.PostAsync("/console/privacy?handler=Rectify", Form(
            token, learnerId, ("last_name", "Doe-Smith"), ("birth_month", "13"), ("birth_day", "1"), ("request_reference", "")));

        var html = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("<span id=\"rectify-request_reference-error\" class=\"field-error\">The request reference is required.</span>", html);
        Assert.Contains("<span id=\"rectify-birth_month-error\" class=\"field-error\">The birth month must be a month from 1 to 12.</span>", html);
        Assert.DoesNotContain("Doe-Smith", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT last_name FROM accreditation.learner_profiles WHERE learner_key = @key", ("key", key)));
        Assert.Empty(await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'learner.rectify' AND target = @target", ("target", $"learner:{key}")));
    }

    [Fact]
    public async Task AnErasureShowsItsOutcomeAndIsAudited()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();
        var token = ConsoleTests.Antiforgery(await FoundAsync(browser, learnerId));

        var unconfirmed = await browser.PostAsync("/console/privacy?handler=Erase", Form(token, learnerId, ("request_reference", "DSR-CONSOLE-3")));
        var erased = await browser.PostAsync("/console/privacy?handler=Erase", Form(
            token, learnerId, ("request_reference", "DSR-CONSOLE-3"), ("confirm", "true")));

        Assert.Contains("Tick the box to confirm the erasure", await unconfirmed.Content.ReadAsStringAsync());
        var html = await erased.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Contains("<dt>Completions erased</dt><dd>1</dd>", html);
        Assert.Contains("<dt>Rejected payloads deleted</dt><dd>0</dd>", html);
        Assert.Contains("<dt>Batches redacted</dt><dd>none</dd>", html);
        Assert.Equal(["development-privacy-officer DSR-CONSOLE-3 1"], await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || (details->>'request_reference') || ' ' || (details->>'completions_erased') FROM accreditation.audit_events WHERE action = 'learner.erase' AND target = @target",
            ("target", $"learner:{key}")));
    }

    [Fact]
    public async Task ComplianceMayNotUseThePrivacyOffice()
    {
        var (learnerId, _) = await StoreAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");
        var token = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console"));

        var page = await browser.GetAsync("/console/privacy");
        var find = await browser.PostAsync("/console/privacy?handler=Find", Form(token, learnerId));
        var erase = await browser.PostAsync("/console/privacy?handler=Erase", Form(
            token, learnerId, ("request_reference", "DSR-CONSOLE-4"), ("confirm", "true")));

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, find.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, erase.StatusCode);
        Assert.DoesNotContain("/console/privacy", await browser.GetStringAsync("/console"));
        Assert.Equal([false], await fixture.Service.Database.ColumnAsync<bool>(
            "SELECT erased_at IS NOT NULL FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId)));
    }

    [Fact]
    public async Task TheLearnerIdIsPostedNeverReadFromTheAddress()
    {
        var (learnerId, key) = await StoreAsync();
        var browser = await PrivacyOfficeAsync();

        // An address with the ID in it (an old bookmark, a link pasted in) finds nothing and reads nothing.
        var fromAddress = await browser.GetStringAsync($"/console/privacy?learner_id={learnerId}");
        var blank = await FoundAsync(browser, "");

        Assert.DoesNotContain("id=\"holding\"", fromAddress);
        Assert.Matches("<form method=\"post\"[^>]*action=\"/console/privacy\\?handler=Find\"", fromAddress);
        Assert.Contains("<span id=\"learner_id-error\" class=\"field-error\">The learner ID is required.</span>", blank);
        Assert.Empty(await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'learner-record.read' AND target = @target", ("target", $"learner:{key}")));
    }

    /// <summary>The page after the Find form was posted, as a browser does.</summary>
    internal static async Task<HttpResponseMessage> FindAsync(HttpClient browser, string learnerId)
    {
        var token = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console/privacy"));
        return await browser.PostAsync("/console/privacy?handler=Find", Form(token, learnerId));
    }

    private static async Task<string> FoundAsync(HttpClient browser, string learnerId) =>
        await (await FindAsync(browser, learnerId)).Content.ReadAsStringAsync();

    private async Task<HttpClient> PrivacyOfficeAsync()
    {
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "privacy-officer");
        return browser;
    }

    private async Task<(string LearnerId, long Key)> StoreAsync()
    {
        var (_, learnerId, json) = SampleEvents.Fresh();
        await fixture.StoreAsync(json);
        var key = await fixture.Service.Database.ScalarAsync<long>(
            "SELECT id FROM accreditation.learners WHERE learner_id = @id", ("id", learnerId));
        return (learnerId, key);
    }

    private static FormUrlEncodedContent Form(string token, string learnerId, params (string Name, string Value)[] fields)
    {
        var form = new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["learner_id"] = learnerId };
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        return new FormUrlEncodedContent(form);
    }
}
