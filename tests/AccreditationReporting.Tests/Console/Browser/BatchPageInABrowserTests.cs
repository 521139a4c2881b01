using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AccreditationReporting.Api.V1;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>Compliance's work on a batch in Chromium: create it, download it, record its submission, reveal its first rows.</summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed partial class BatchPageInABrowserTests(ConsoleBrowserFixture fixture)
{
    private const string Recipient = ConsoleBrowserFixture.Recipient;

    [Fact]
    public async Task ComplianceCreatesABatchFromTheOverviewAndTheClickedDownloadHasTheHashOfThePageAndOfGetBatch()
    {
        await fixture.StoreLearnerAsync();
        await using var session = await fixture.SignInAsync("compliance");
        var page = session.Page;

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = $"Create the next batch for {Recipient}" }).ClickAsync();
        await ConsoleBrowserFixture.ArrivedAsync(page, BatchUrl());
        var id = long.Parse(BatchUrl().Match(page.Url).Groups["id"].Value, CultureInfo.InvariantCulture);
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 })).ToHaveTextAsync($"Batch {id} for {Recipient}");
        var shownSha256 = (await Manifest(page, "SHA-256").InnerTextAsync()).Trim();
        var fileName = (await Manifest(page, "File name").InnerTextAsync()).Trim();
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = $"Download {fileName}" }).ClickAsync());
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());

        var fileSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.NotEmpty(bytes);
        Assert.Equal(fileName, download.SuggestedFilename);
        Assert.Equal(shownSha256, fileSha256);
        var batch = await fixture.Exports.GetBatchAsync(new GetBatchRequest { BatchId = id });
        Assert.Equal(batch.Manifest.Sha256, fileSha256);
    }

    [Fact]
    public async Task ASubmissionRecordedThroughTheFormIsInTheSubmissionsTableAndAnEmptyMethodIsAnsweredNextToTheField()
    {
        var (batch, _) = await fixture.NewBatchAsync();
        await using var session = await fixture.SignInAsync("compliance");
        var page = session.Page;
        await page.GotoAsync($"/console/batches/{batch.Id}");
        var method = page.GetByLabel("Method (how it was submitted)");
        var record = page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record the submission" });

        await method.FillAsync("");
        await record.ClickAsync();
        await Expect(method).ToHaveAccessibleDescriptionAsync(new Regex("^Say how the batch was submitted"));
        await Expect(page.Locator("#Form_Method-error")).ToBeVisibleAsync();

        await method.FillAsync("PARS batch upload");
        await page.GetByLabel("Submitted at (UTC)").FillAsync("2099-01-02T03:04");
        await page.GetByLabel("Outcome").SelectOptionAsync("AcceptedWithErrors");
        await page.GetByLabel("The recipient's answer (optional)").FillAsync("confirmation 42");
        await record.ClickAsync();

        await ConsoleBrowserFixture.ArrivedAsync(page, new Regex($"/console/batches/{batch.Id}\\?recorded=true$"));
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The submission was recorded.");
        var submissions = page.GetByRole(AriaRole.Table, new PageGetByRoleOptions { Name = $"Submissions of this batch to {Recipient}" });
        await Expect(submissions.Locator("tbody tr")).ToHaveCountAsync(1);
        // Submitted (a time), method, by, outcome, answer, and when it was recorded (now).
        await Expect(submissions.Locator("tbody tr th time")).ToHaveAttributeAsync("datetime", "2099-01-02T03:04:00Z");
        await Expect(submissions.Locator("tbody tr td")).ToHaveTextAsync(
            [Exactly("PARS batch upload"), Exactly("Development compliance (development-compliance)"), Exactly("AcceptedWithErrors"), Exactly("confirmation 42"), new Regex(@"\d{4}")]);
    }

    [Fact]
    public async Task TheSubmissionFormPostedWithoutItsAntiforgeryTokenIsRefusedWith400()
    {
        var (batch, _) = await fixture.NewBatchAsync();
        await using var session = await fixture.SignInAsync("compliance");
        var page = session.Page;
        await page.GotoAsync($"/console/batches/{batch.Id}");
        await page.GetByLabel("Method (how it was submitted)").FillAsync("PARS batch upload");

        var removed = await page.EvaluateAsync<int>(
            "() => { const tokens = document.querySelectorAll('form input[name=__RequestVerificationToken]'); tokens.forEach(t => t.remove()); return tokens.length; }");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record the submission" }).ClickAsync(),
            r => r.Request.Method == "POST");

        Assert.True(removed > 0, "the page had no antiforgery token to remove");
        Assert.Equal(400, response.Status);
        Assert.Equal(0L, await fixture.Service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.export_submissions WHERE batch_id = @batch", ("batch", batch.Id)));
    }

    [Fact]
    public async Task TheFirstRowsAreMaskedUntilRevealedAndTheRevealIsOnTheAuditTrail()
    {
        var (batch, lastName) = await fixture.NewBatchAsync();
        await using var compliance = await fixture.SignInAsync("compliance");
        var page = compliance.Page;
        await page.GotoAsync($"/console/batches/{batch.Id}");

        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "First rows" })).ToBeVisibleAsync();
        var rows = page.Locator("#preview-rows");
        await Expect(rows.Locator(".masked").First).ToBeVisibleAsync();
        await Expect(rows).Not.ToContainTextAsync(lastName);
        await Expect(rows).Not.ToContainTextAsync("Jane");

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Reveal personal fields" }).ClickAsync();

        await Expect(rows).ToContainTextAsync(lastName);
        await Expect(rows.Locator(".masked")).ToHaveCountAsync(0);
        await using var auditor = await fixture.SignInAsync("auditor");
        await auditor.Page.GotoAsync("/console/audit?Filter.Action=batch.preview-reveal");
        var reveals = auditor.Page.Locator($"tbody tr:has(td:text-is('batch:{batch.Id}'))");
        await Expect(reveals).ToHaveCountAsync(1);
        await Expect(reveals).ToContainTextAsync("development-compliance");
        await Expect(reveals).ToContainTextAsync("batch.preview-reveal");
    }

    /// <summary>The value of a row of the manifest table, by its header.</summary>
    private static ILocator Manifest(IPage page, string header) =>
        page.GetByRole(AriaRole.Table, new PageGetByRoleOptions { Name = "What the file is" }).Locator($"tr:has(th:text-is('{header}')) td");

    private static Regex Exactly(string text) => new($@"^\s*{Regex.Escape(text)}\s*$");

    [GeneratedRegex(@"/console/batches/(?<id>\d+)$")]
    private static partial Regex BatchUrl();
}
