using System.Text.RegularExpressions;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Playwright;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>The browser tests share one service and one Chromium, and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleBrowserCollection : ICollectionFixture<ConsoleBrowserFixture>
{
    public const string Name = "Console in a real browser";
}

/// <summary>
/// The real service (PostgreSQL, RabbitMQ, the console on its HTTP/1.1 listener) and one headless
/// Chromium launched once; each test signs in in a browser context of its own (its own cookies).
/// Playwright cannot download its own browser here (no network but the package registries), so it
/// drives Debian's Chromium, which <c>test.sh</c> installs.
/// </summary>
public sealed class ConsoleBrowserFixture : ExportServiceFixture, IAsyncLifetime
{
    /// <summary>Another Chromium than Debian's, for a machine that has it elsewhere.</summary>
    public const string ChromiumVariable = "ACCREDITATION_TEST_CHROMIUM";

    /// <summary>How long an action, navigation or assertion waits before the test fails.</summary>
    public const float Timeout = 15_000;

    public const int Width = 1280;
    public const int Height = 800;

    /// <summary>A learner-level recipient: its batch pages have rows with personal fields.</summary>
    public const string Recipient = "accme-pars-learners";

    /// <summary>How the last name of every learner these tests store begins.</summary>
    public const string LastNamePrefix = "Quill";

    /// <summary>The pages <see cref="OpenPageAsync"/> shows.</summary>
    public static readonly string[] Pages = ["overview", "batch", "rejected events", "audit trail", "privacy office"];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        // Before anything starts, so a machine without it hears why rather than a launch error.
        var chromium = ChromiumPath();
        var service = await ReportingService.StartAsync(useRabbitMq: true, settings: RejectedEventsPageTests.OnePolicy);
        try
        {
            Attach(service);
            _playwright = await Playwright.CreateAsync();
            Assertions.SetDefaultExpectTimeout(Timeout);
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
        }
        catch
        {
            _playwright?.Dispose();
            await service.DisposeAsync();
            throw;
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Service is not null)
        {
            await DisposeAsync();
        }
    }

    /// <summary>A browser context of its own (no cookies), its one page at the console's address.</summary>
    public async Task<ConsoleSession> OpenAsync(int width = Width, int height = Height)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Service.ConsoleAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
            // The same reader wherever the tests run: the console shows times in the browser's zone.
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        // Shorter than Playwright's 30 s, so a missing element fails the test soon with its locator;
        // assertions get the same, not their 5 s, since a loaded CI run shares two cores with brokers.
        context.SetDefaultTimeout(Timeout);
        return new ConsoleSession(context, await context.NewPageAsync());
    }

    /// <summary>
    /// Waits until the page's address matches, as an assertion that polls it, not as
    /// <c>WaitForURLAsync</c>: once the address matches, that checks the frame's load states and then
    /// subscribes to the next one, two steps the events may fall between, and in a loaded CI run it
    /// waited 15 s for a load event that had come in between (only "NetworkIdle" came after it).
    /// What a test reads next, it waits for by locator, as a person waits for the page to show.
    /// </summary>
    public static Task ArrivedAsync(IPage page, Regex address) =>
        Assertions.Expect(page).ToHaveURLAsync(address, new PageAssertionsToHaveURLOptions { Timeout = Timeout });

    /// <summary>Signs in as a person does: the development sign-in page, a role's radio button, "Sign in".</summary>
    public async Task<ConsoleSession> SignInAsync(string role, int width = Width, int height = Height)
    {
        var session = await OpenAsync(width, height);
        var page = session.Page;
        await page.GotoAsync("/console/sign-in");
        await page.GetByLabel(role, new PageGetByLabelOptions { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        await ArrivedAsync(page, new Regex("/console$"));
        return session;
    }

    /// <summary>
    /// Stores a completion of the README example for a new learner, whose last name (returned) is
    /// found nowhere else, so a page that shows it is known to show this learner's data.
    /// </summary>
    public async Task<string> StoreLearnerAsync()
    {
        var lastName = LastNamePrefix + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));
        await StoreAsync(SampleEvents.Fresh(e => e["learner"]!["lastName"] = lastName).Json);
        return lastName;
    }

    /// <summary>A batch made over gRPC for <see cref="Recipient"/> holding a new learner's completion.</summary>
    public async Task<(ExportBatch Batch, string LastName)> NewBatchAsync()
    {
        var lastName = await StoreLearnerAsync();
        var created = await Exports.CreateBatchAsync(new CreateBatchRequest { Recipient = Recipient });
        Assert.True(created.Created, $"a {Recipient} batch was expected");
        return (created.Batch, lastName);
    }

    /// <summary>One of <see cref="Pages"/>, signed in as the role that uses it, with data on it.</summary>
    public async Task<ConsoleSession> OpenPageAsync(string name, int width = Width, int height = Height)
    {
        var (role, path) = name switch
        {
            "overview" => ("compliance", "/console"),
            "batch" => ("compliance", $"/console/batches/{(await NewBatchAsync()).Batch.Id}"),
            "rejected events" => ("compliance", "/console/rejected"),
            "audit trail" => ("auditor", "/console/audit"),
            "privacy office" => ("privacy-officer", "/console/privacy"),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"one of {string.Join(", ", Pages)}"),
        };
        if (name is "overview" or "rejected events")
        {
            await NewBatchAsync();
            await RejectedEventsPageTests.RejectAsync(Service);
        }

        var session = await SignInAsync(role, width, height);
        var response = await session.Page.GotoAsync(path);
        Assert.True(response?.Status == 200, $"{path} answered {response?.Status}");
        if (name == "privacy office")
        {
            // A learner found, as the privacy office finds one: the ID is posted, never in the address.
            await session.Page.GetByLabel("Learner ID").FillAsync(await StoreLearnerIdAsync());
            await session.Page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
            await session.Page.Locator("#holding").WaitForAsync();
        }

        return session;
    }

    private async Task<string> StoreLearnerIdAsync()
    {
        var (_, learnerId, json) = SampleEvents.Fresh(e => e["learner"]!["lastName"] = LastNamePrefix + "office");
        await StoreAsync(json);
        return learnerId;
    }

    /// <summary>Where the Chromium to drive is, or why the tests cannot run and how to make them.</summary>
    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } named ? named : "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The console's browser tests drive Chromium at {path}, and there is none. Playwright cannot download its own browser " +
                "here; install Debian's (sudo apt-get install chromium, which ./test.sh does when it can), or name another " +
                $"Chromium in {ChromiumVariable}.");
        }

        return path;
    }
}

/// <summary>One browser context and its page; disposing closes both.</summary>
public sealed class ConsoleSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public IBrowserContext Context { get; } = context;

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
