using System.Net;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>The audit trail page over HTTP against the real service: the auditor's entries, filters and chain check.</summary>
public sealed class AuditPageTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task TheAuditorSeesABatchCreatedOverGrpcAndTheActionFilterKeepsOnlyThatAction()
    {
        var batch = await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var overview = await browser.GetStringAsync("/console");
        var all = await browser.GetStringAsync("/console/audit");
        var filtered = await browser.GetStringAsync("/console/audit?Filter.Action=batch.create");

        Assert.Contains("<a href=\"/console/audit\">Audit trail</a>", overview);
        Assert.Contains($"<td>batch:{batch.Id}</td>", all);
        Assert.Contains("<td>batch.list</td>", all);
        Assert.Contains($"<td>batch:{batch.Id}</td>", filtered);
        Assert.Contains("<td>batch.create</td>", filtered);
        Assert.DoesNotContain("<td>batch.list</td>", filtered);
        Assert.Contains("<label for=\"Filter_Action\">", filtered);
        Assert.Contains("development-auditor", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject FROM accreditation.audit_events WHERE action = 'audit.list' AND details->>'action' = 'batch.create' AND details->>'via' = 'console'"));
    }

    [Fact]
    public async Task AWrongTimeIsAnsweredNextToItsField()
    {
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var html = await browser.GetStringAsync("/console/audit?Filter.From=yesterday&Filter.To=2030-01-01T00:00");

        Assert.Contains("<span id=\"Filter_From-error\" class=\"field-error\">Give a date and time in UTC, such as 2030-01-31T14:00.</span>", html);
        Assert.DoesNotContain("<caption>Audit entries", html);
    }

    [Fact]
    public async Task TheVerificationSaysTheChainIsIntactAndIsAudited()
    {
        await NewBatchAsync();
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var html = await browser.GetStringAsync("/console/audit?handler=Verify");

        Assert.Contains("The chain is intact:", html);
        Assert.Contains("development-auditor true", await fixture.Service.Database.ColumnAsync<string>(
            "SELECT actor_subject || ' ' || (details->>'intact') FROM accreditation.audit_events WHERE action = 'audit.verify' AND details->>'via' = 'console'"));
    }

    [Fact]
    public async Task ComplianceMayNotReadTheAuditTrail()
    {
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var page = await browser.GetAsync("/console/audit");
        var verify = await browser.GetAsync("/console/audit?handler=Verify");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, verify.StatusCode);
        Assert.DoesNotContain("/console/audit", await browser.GetStringAsync("/console"));
    }

    private async Task<ExportBatch> NewBatchAsync()
    {
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        Assert.True(created.Created);
        return created.Batch;
    }
}
