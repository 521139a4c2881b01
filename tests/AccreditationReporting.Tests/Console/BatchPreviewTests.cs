using System.Net;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>
/// A batch's page: its columns beside what each policy allows, and a preview of its first rows whose
/// personal fields stay masked until someone who may have the file reveals them, which is audited.
/// </summary>
public sealed class BatchPreviewTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    private const string LastName = "Quillfeather";

    [Fact]
    public async Task ThePreviewMasksPersonalFieldsUntilComplianceRevealsThemAndTheRevealIsAudited()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var masked = await browser.GetStringAsync($"/console/batches/{batch.Id}");

        Assert.Contains("id=\"preview-rows\"", masked, StringComparison.Ordinal);
        Assert.Contains("class=\"masked\"", masked, StringComparison.Ordinal);
        Assert.DoesNotContain(LastName, masked, StringComparison.Ordinal);
        Assert.DoesNotContain("1234567893", masked, StringComparison.Ordinal);
        Assert.Contains("Reveal personal fields", masked, StringComparison.Ordinal);
        Assert.Empty(await RevealsAsync(batch.Id));

        var revealed = await browser.PostAsync($"/console/batches/{batch.Id}?handler=Reveal", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = ConsoleTests.Antiforgery(masked),
        }));

        var html = await revealed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        Assert.True(revealed.Headers.CacheControl?.NoStore, "a revealed page must not be cached");
        Assert.Contains($"<td>{LastName}</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"masked\"", html, StringComparison.Ordinal);
        var reveal = Assert.Single(await RevealsAsync(batch.Id));
        Assert.Equal("development-compliance ok", reveal);
    }

    [Fact]
    public async Task AnAuditorSeesTheMaskedPreviewButIsRefusedTheRevealAndTheRefusalIsAudited()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var page = await browser.GetStringAsync($"/console/batches/{batch.Id}");
        var refused = await browser.PostAsync($"/console/batches/{batch.Id}?handler=Reveal", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = ConsoleTests.Antiforgery(page),
        }));

        Assert.Contains("class=\"masked\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Reveal personal fields", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain(LastName, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("development-auditor permission-denied", Assert.Single(await RevealsAsync(batch.Id)));
    }

    [Fact]
    public async Task TheColumnsStandBesideWhatEachEnabledPolicyLetsTheRecipientHave()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var page = await browser.GetStringAsync($"/console/batches/{batch.Id}");

        // PARS learners: the two policies that send learner-level data to ACCME, licence fields only
        // with the state board permission, and the personal fields marked.
        Assert.Contains("<th scope=\"col\">ismrm-2016-11-21</th>", page, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">mayo-cme-2018-06-15</th>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<th scope=\"col\">medmastery-2017-06-20</th>", page, StringComparison.Ordinal);
        Assert.Contains("allowed with state-board-reporting", page, StringComparison.Ordinal);
        Assert.Matches("<th scope=\"row\">last-name</th>\\s*<td>Last Name</td>\\s*<td>yes</td>", page);
        Assert.Matches("<th scope=\"row\">cme-credits</th>\\s*<td>Number of CME Credits</td>\\s*<td>no</td>", page);
    }

    [Fact]
    public async Task TheNextBatchIsMadeFromABatchsPageAndOpensOnItsOwn()
    {
        var batch = await NewBatchAsync();
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");
        var page = await browser.GetStringAsync($"/console/batches/{batch.Id}");
        Assert.Contains("<form method=\"post\" action=\"/console?handler=Create\">", page, StringComparison.Ordinal);

        var created = await browser.PostAsync("/console?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = ConsoleTests.Antiforgery(page), ["recipient"] = "accme-pars-learners",
        }));

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var next = long.Parse(created.RequestMessage!.RequestUri!.AbsolutePath.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(next > batch.Id);
        Assert.Contains($"Batch {next} for accme-pars-learners", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<ExportBatch> NewBatchAsync()
    {
        await fixture.StoreAsync(SampleEvents.Fresh(json => json["learner"]!["lastName"] = LastName).Json);
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        Assert.True(created.Created);
        Assert.True(created.Batch.Manifest.RowCount > 0);
        return created.Batch;
    }

    /// <summary>Who revealed the batch's preview, and how it ended, as "actor outcome".</summary>
    private Task<List<string>> RevealsAsync(long batchId) => fixture.Service.Database.ColumnAsync<string>(
        "SELECT actor_subject || ' ' || outcome FROM accreditation.audit_events WHERE action = 'batch.preview-reveal' AND target = @target ORDER BY id",
        ("target", $"batch:{batchId}"));
}
