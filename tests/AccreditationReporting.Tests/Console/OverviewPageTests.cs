using System.Net;
using System.Text.RegularExpressions;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>The overview: per recipient its schedule, delivery, what waits and its batch sizes; events per day as a chart.</summary>
public sealed class OverviewPageTests(OverviewPageTests.ScheduledFixture fixture) : IClassFixture<OverviewPageTests.ScheduledFixture>
{
    private const string Recipient = "accme-pars-activities";

    /// <summary>Once a year, at the turn of it: its next run is known and never comes during a test.</summary>
    private const string Schedule = "0 0 1 1 *";

    [Fact]
    public async Task EachRecipientShowsItsScheduleAndNextRunItsDeliveryAndWhatWaitsForItsNextBatch()
    {
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var before = await SectionAsync(browser);
        Assert.Contains($"<code>{Schedule}</code>", before, StringComparison.Ordinal);
        var nextYear = DateTime.UtcNow.Year + 1;
        Assert.Contains($"<time datetime=\"{nextYear}-01-01T00:00:00Z\" title=\"{nextYear}-01-01 00:00 UTC\">", before, StringComparison.Ordinal);
        Assert.Contains("downloaded and submitted by staff", before, StringComparison.Ordinal);
        Assert.True(Waiting(before) >= 1, before);

        await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient });
        Assert.Equal(0, Waiting(await SectionAsync(browser)));

        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        Assert.Equal(1, Waiting(await SectionAsync(browser)));
    }

    [Fact]
    public async Task ARunEveryInstanceMissedIsShownAsDueSinceItsTimeNotAsTheNextToCome()
    {
        // Last run two years ago on 1 January; last year's and this year's were missed, and the database
        // refuses the service's claims (as when it is read-only), so they stay missed while the page is read.
        var year = DateTime.UtcNow.Year;
        var lastRun = new DateTimeOffset(year - 2, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var db = fixture.Service.Database;
        await db.ScalarAsync<int>($"REVOKE INSERT ON accreditation.scheduled_runs FROM {DatabaseRoles.Service}; SELECT 1");
        try
        {
            await db.ScalarAsync<int>(
                "INSERT INTO accreditation.scheduled_runs (recipient, occurrence, claimed_by, claimed_at) VALUES (@r, @o, 'earlier', @o) RETURNING 1",
                ("r", Recipient), ("o", lastRun));
            var (browser, _) = fixture.Service.CreateBrowser();
            await ConsoleTests.SignInAsync(browser, "compliance");
            var section = await SectionAsync(browser);
            Assert.Matches(
                $"missed the run due</span>\\s*<time datetime=\"{year - 1}-01-01T00:00:00Z\" title=\"{year - 1}-01-01 00:00 UTC\">", section);
            Assert.DoesNotContain("next run", section, StringComparison.Ordinal);
        }
        finally
        {
            await db.ScalarAsync<int>(
                $"DELETE FROM accreditation.scheduled_runs WHERE claimed_by = 'earlier'; GRANT INSERT ON accreditation.scheduled_runs TO {DatabaseRoles.Service}; SELECT 1");
        }
    }

    [Fact]
    public async Task BatchSizesAndEventsPerDayAreDrawnAsSvgWithTheirNumbersBeside()
    {
        await fixture.StoreAsync(SampleEvents.Fresh().Json, SampleEvents.Fresh().Json);
        var first = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var second = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        Assert.True(first.Created && second.Created);
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");

        var response = await browser.GetAsync("/console");
        var html = await response.Content.ReadAsStringAsync();

        // Batch sizes: a bar per batch, titled with its rows, and the same numbers in a table.
        Assert.Contains("<svg viewBox=\"0 0 640 200\" role=\"img\" aria-labelledby=\"sizes-accme-pars-learners-title\"", html, StringComparison.Ordinal);
        Assert.Contains($"<title>{first.Batch.Id}: {first.Batch.Manifest.RowCount} rows</title>", html, StringComparison.Ordinal);
        Assert.Contains($"<title>{second.Batch.Id}: {second.Batch.Manifest.RowCount} rows</title>", html, StringComparison.Ordinal);

        // Events per day: today's bar counts what this service stored today (at least the three above).
        var today = DateTime.UtcNow.ToString("MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var stored = Regex.Match(html, $"<title>{today}: (?<count>\\d+) stored</title>");
        Assert.True(stored.Success, "no bar for today's stored events");
        Assert.True(int.Parse(stored.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Equal(30, Regex.Matches(html, "<title>\\d\\d-\\d\\d: \\d+ rejected</title>").Count);
    }

    [Fact]
    public async Task ABatchStatusGoesFromCreatedToDownloadedToTheRecipientsAnswer()
    {
        await fixture.StoreAsync(SampleEvents.Fresh().Json);
        var created = await fixture.Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = "accme-pars-learners" });
        var id = created.Batch.Id;
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "compliance");
        Assert.Equal("created", await StatusAsync(browser, id));

        var file = await browser.GetAsync($"/console/batches/{id}/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        await file.Content.ReadAsByteArrayAsync();
        Assert.Equal("downloaded", await StatusAsync(browser, id));

        await fixture.Exports.RecordSubmissionAsync(new RecordSubmissionRequest
        {
            BatchId = id, Method = "PARS batch upload", SubmittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Outcome = AccreditationReporting.Api.V1.SubmissionOutcome.Rejected, RecipientResponse = "bad licence state",
        });
        Assert.Equal("rejected", await StatusAsync(browser, id));
    }

    [Fact]
    public async Task ConsolePagesRunOnlyTheirOwnScriptsAndAreNeverFramed()
    {
        var (browser, _) = fixture.Service.CreateBrowser();
        await ConsoleTests.SignInAsync(browser, "auditor");

        var response = await browser.GetAsync("/console");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    private static async Task<string> StatusAsync(HttpClient browser, long batchId)
    {
        var html = await browser.GetStringAsync("/console/batches?recipient=accme-pars-learners");
        var row = Regex.Match(html, $"<a href=\"/console/batches/{batchId}\">{batchId}</a></th>\\s*<td>.*?</td>\\s*<td>(?<status>[^<]+)</td>", RegexOptions.Singleline);
        Assert.True(row.Success, $"batch {batchId} is not listed");
        return row.Groups["status"].Value;
    }

    private static async Task<string> SectionAsync(HttpClient browser)
    {
        var html = await browser.GetStringAsync("/console");
        var start = html.IndexOf($"<h2 id=\"recipient-{Recipient}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, "no section for " + Recipient);
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static int Waiting(string section) =>
        int.Parse(Regex.Match(section, "<dd>(?<count>\\d+) completion\\(s\\) received since").Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture);

    public sealed class ScheduledFixture : ExportServiceFixture
    {
        protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
        {
            [$"Exports:Schedules:{Recipient}"] = Schedule,
        };
    }
}
