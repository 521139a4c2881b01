using System.Buffers.Binary;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Playwright;

namespace AccreditationReporting.Tests.StaffConsole.Browser;

/// <summary>
/// The README's pictures of the console (issue 14, point 10), taken from the running service with
/// sample data. Every run takes them, into artifacts/console/; with
/// <c>ACCREDITATION_UPDATE_SCREENSHOTS=1</c> into docs/console/, the README's copies, so that a
/// test run does not leave a developer's checkout with changed pictures (times and IDs differ).
/// </summary>
[Collection(ConsoleBrowserCollection.Name)]
public sealed class ScreenshotsInABrowserTests(ConsoleBrowserFixture fixture)
{
    [Theory]
    [InlineData("overview", "overview.png")]
    [InlineData("batch", "batch.png")]
    [InlineData("audit trail", "audit-trail.png")]
    [InlineData("privacy office", "privacy-office.png")]
    public async Task APictureOfThePageIsSavedForTheReadmeAt1280PixelsWide(string name, string file)
    {
        await using var session = await fixture.OpenPageAsync(name);
        var folder = Environment.GetEnvironmentVariable("ACCREDITATION_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(RepositoryRoot.Folder, "docs", "console")
            : Path.Combine(RepositoryRoot.Folder, "artifacts", "console");
        var path = Path.Combine(folder, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // Personal fields stay masked in a picture: no stored learner's last name is on the page.
        await Assertions.Expect(session.Page.Locator("body")).Not.ToContainTextAsync(ConsoleBrowserFixture.LastNamePrefix);
        var png = await session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });

        // The PNG's IHDR chunk: width then height, big-endian, from byte 16.
        Assert.Equal(ConsoleBrowserFixture.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(png, await File.ReadAllBytesAsync(path));
    }
}
