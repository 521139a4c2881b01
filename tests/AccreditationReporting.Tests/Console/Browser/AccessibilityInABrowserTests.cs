using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>
/// The console's pages in Chromium as people with other means use them: axe finds nothing serious,
/// a phone's width does not make the page scroll sideways, and the keyboard reaches what matters.
/// </summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed class AccessibilityInABrowserTests(ConsoleBrowserFixture fixture)
{
    private static readonly string[] Blocking = ["serious", "critical"];

    [Theory]
    [InlineData("overview")]
    [InlineData("batch")]
    [InlineData("rejected events")]
    [InlineData("audit trail")]
    [InlineData("privacy office")]
    public async Task AxeFindsNoSeriousOrCriticalViolationOnThePage(string name)
    {
        await using var session = await fixture.OpenPageAsync(name);

        var result = await session.Page.RunAxe();

        var blocking = result.Violations.Where(v => Blocking.Contains(v.Impact)).ToList();
        Assert.True(blocking.Count == 0, $"axe on the {name} page ({session.Page.Url}):\n" + string.Join("\n", blocking.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help}\n" + string.Join("\n", v.Nodes.Select(n => $"    {n.Target}: {n.Html}")))));
    }

    [Theory]
    [InlineData(375, 812)]
    [InlineData(1280, 800)]
    public async Task TheOverviewAndTheBatchPageDoNotScrollSideways(int width, int height)
    {
        List<string> sideways = [];
        foreach (var name in new[] { "overview", "batch" })
        {
            await using var session = await fixture.OpenPageAsync(name, width, height);

            var layout = await session.Page.EvaluateAsync<Layout>(
                """
                () => {
                  const width = window.innerWidth;
                  // What reaches past the viewport without a box that scrolls or clips it: a box clips an
                  // absolutely positioned element only when it holds that element's containing block.
                  const clipped = e => {
                    const absolute = ['absolute', 'fixed'].includes(getComputedStyle(e).position);
                    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                      if (getComputedStyle(a).overflowX !== 'visible' && (!absolute || (e.offsetParent && a.contains(e.offsetParent)))) return true;
                    }
                    return false;
                  };
                  const over = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e));
                  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + [...e.classList].map(c => '.' + c).join('')
                    + (e.tagName === 'TABLE' && e.caption ? ' "' + e.caption.innerText + '"' : '') + ' to ' + Math.round(e.getBoundingClientRect().right) + 'px';
                  return {
                    scrollWidth: document.documentElement.scrollWidth,
                    width,
                    overflowing: over.filter(e => !over.includes(e.parentElement)).map(describe),
                  };
                }
                """);

            if (layout.ScrollWidth > layout.Width)
            {
                sideways.Add($"the {name} page is {layout.ScrollWidth}px wide; past the viewport: {string.Join("; ", layout.Overflowing)}");
            }
        }

        Assert.True(sideways.Count == 0, $"at {width}x{height}: " + string.Join("\n", sideways));
    }

    [Fact]
    public async Task TabFromTheTopReachesTheSkipLinkFirstThenTheBatchPagesDownloadAndEachOfItsButtons()
    {
        var (batch, _) = await fixture.NewBatchAsync();
        await using var session = await fixture.SignInAsync("compliance");
        var page = session.Page;
        await page.GotoAsync($"/console/batches/{batch.Id}");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("a:Skip to content", await FocusedAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.closest('main') !== null"),
            $"after the skip link, Tab went to {await FocusedAsync(page)}, outside main");

        await page.GotoAsync($"/console/batches/{batch.Id}");
        var download = $"a:Download {batch.Manifest.FileName}";
        var reached = await TabUntilAsync(page, download);
        var file = await page.RunAndWaitForDownloadAsync(() => page.Keyboard.PressAsync("Enter"));
        reached.AddRange(await TabUntilAsync(page, $"button:Create the next batch for {ConsoleBrowserFixture.Recipient}"));
        reached.AddRange(await TabUntilAsync(page, "button:Reveal personal fields"));
        reached.AddRange(await TabUntilAsync(page, "button:Record the submission"));

        Assert.Equal(batch.Manifest.FileName, file.SuggestedFilename);
        Assert.Equal("a:Skip to content", reached[0]);
        Assert.Contains("button:Sign out", reached);
    }

    /// <summary>Presses Tab until <paramref name="wanted"/> has the focus; what had it on the way.</summary>
    private static async Task<List<string>> TabUntilAsync(IPage page, string wanted)
    {
        List<string> reached = [];
        for (var presses = 0; presses < 80; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached.Add(await FocusedAsync(page));
            if (reached[^1] == wanted)
            {
                return reached;
            }
        }

        throw new Xunit.Sdk.XunitException($"Tab never reached {wanted}; it went through: {string.Join(" | ", reached)}");
    }

    private static Task<string> FocusedAsync(IPage page) => page.EvaluateAsync<string>(
        "() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + ':' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim() : ''; }");

    /// <summary>What the page's script measured (Playwright fills it by its properties).</summary>
    private sealed class Layout
    {
        public int ScrollWidth { get; set; }
        public int Width { get; set; }
        public string[] Overflowing { get; set; } = [];
    }
}
