using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.StaffConsole;

/// <summary>
/// Two instances behind one address, as the Kubernetes Deployment runs them: with a certificate
/// configured, a browser signed in on one is signed in on the other, and a form one served is
/// accepted by the other; the keys in PostgreSQL hold their secrets encrypted. (Without one, keys
/// go where ASP.NET Core puts them by default: in a writable home directory, as here, instances on
/// one machine share them; in the read-only container, each keeps its own in memory.)
/// </summary>
public sealed class SharedConsoleKeysTests
{
    [Fact]
    public async Task WithACertificateEveryInstanceReadsTheCookieAndFormsAnotherWrote()
    {
        using var certificate = new PemCertificate();
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var first = await ReportingService.StartAsync(useRabbitMq: false, settings: certificate.Settings, postgres: database);
        await using var second = await ReportingService.StartAsync(useRabbitMq: false, settings: certificate.Settings, postgres: database);

        var (signedIn, overviewThere, signInThere) = await SignInOnOneUseTheOtherAsync(first, second);

        Assert.Equal("/console", overviewThere.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, overviewThere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signInThere.StatusCode);
        Assert.Equal("/console", signInThere.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Sign out", signedIn);

        var keys = await first.Database.ColumnAsync<string>("SELECT xml FROM accreditation.data_protection_keys");
        var key = Assert.Single(keys);
        Assert.Contains("<encryptedSecret", key, StringComparison.Ordinal);
        Assert.Contains(certificate.Base64, key, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInstanceWithAnotherCertificateCannotReadTheKeysNorTheCookie()
    {
        using var certificate = new PemCertificate();
        using var another = new PemCertificate();
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var first = await ReportingService.StartAsync(useRabbitMq: false, settings: certificate.Settings, postgres: database);
        await using var second = await ReportingService.StartAsync(useRabbitMq: false, settings: another.Settings, postgres: database);

        var (_, overviewThere, signInThere) = await SignInOnOneUseTheOtherAsync(first, second);

        Assert.Equal("/console/sign-in", overviewThere.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(HttpStatusCode.BadRequest, signInThere.StatusCode);
    }

    /// <summary>
    /// A sign-in form the first served, posted to the second; then the first's sign-in cookie taken
    /// to the second. Each carries the first's cookies, as a browser moved between instances would.
    /// </summary>
    private static async Task<(string SignedIn, HttpResponseMessage OverviewThere, HttpResponseMessage SignInThere)> SignInOnOneUseTheOtherAsync(
        ReportingService first, ReportingService second)
    {
        var (browser, cookies) = first.CreateBrowser();
        var form = ConsoleTests.Antiforgery(await browser.GetStringAsync("/console/sign-in"));
        var signInThere = await Moved(first, cookies, second).PostAsync("/console/sign-in", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["__RequestVerificationToken"] = form, ["Role"] = "compliance" }));

        await ConsoleTests.SignInAsync(browser, "compliance");
        var overview = await browser.GetStringAsync("/console");
        var overviewThere = await Moved(first, cookies, second).GetAsync("/console");
        return (overview, overviewThere, signInThere);
    }

    private static HttpClient Moved(ReportingService first, CookieContainer cookies, ReportingService second)
    {
        var (there, theirCookies) = second.CreateBrowser();
        foreach (Cookie cookie in cookies.GetCookies(new Uri(first.Address, "/console")))
        {
            theirCookies.Add(new Uri(second.Address, "/console"), new Cookie(cookie.Name, cookie.Value, cookie.Path));
        }

        return there;
    }

    /// <summary>A self-signed RSA certificate and its key as PEM files, as a Kubernetes TLS Secret mounts them.</summary>
    private sealed class PemCertificate : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("console-keys-").FullName;

        public PemCertificate()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=accreditation-console-keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            Base64 = Convert.ToBase64String(certificate.RawData);
            File.WriteAllText(Path.Combine(_folder, "tls.crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(_folder, "tls.key"), rsa.ExportPkcs8PrivateKeyPem());
        }

        /// <summary>The certificate as the encrypted key's XML names it.</summary>
        public string Base64 { get; }

        public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["DataProtection:CertificatePath"] = Path.Combine(_folder, "tls.crt"),
            ["DataProtection:KeyPath"] = Path.Combine(_folder, "tls.key"),
        };

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }
}
