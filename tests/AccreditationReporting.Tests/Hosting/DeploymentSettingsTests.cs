using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Hosting;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;

namespace AccreditationReporting.Tests.Hosting;

/// <summary>
/// The service as a deployment runs it: its own process in Production. Nothing embedded there: a
/// missing setting stops the start with one line naming it; gRPC goes over TLS with the configured
/// certificate, and cleartext off loopback is refused.
/// </summary>
public sealed class DeploymentSettingsTests
{
    [Fact]
    public async Task WithoutDatabaseBrokerOrTokenSettingsProductionStopsWithOneLineNamingThem()
    {
        var (exit, output, errors) = await RunAsync(["run"], new Dictionary<string, string?>());

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ConnectionStrings:Postgres", line, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:RabbitMq", line, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Bearer", line, StringComparison.Ordinal);
        Assert.Contains("Audit:ChainKey", line, StringComparison.Ordinal);
        Assert.DoesNotContain("throwaway", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMigrateStepNeedsOnlyTheDatabase()
    {
        var (exit, _, errors) = await RunAsync(["migrate"], new Dictionary<string, string?>());

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ConnectionStrings:Postgres", line, StringComparison.Ordinal);
        Assert.DoesNotContain("RabbitMq", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadScheduleStopsTheStartNamingItWithoutAStackTrace()
    {
        var (exit, _, errors) = await RunAsync(["demo"], new Dictionary<string, string?>
        {
            ["Exports__Schedules__accme-pars-learners"] = "every night",
        });

        Assert.Equal(2, exit);
        Assert.Contains("Exports:Schedules:accme-pars-learners is not a cron expression", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConsoleKeyCertificateWithoutItsKeyStopsTheStartNamingTheSettings()
    {
        var (exit, _, errors) = await RunAsync(["demo"], new Dictionary<string, string?>
        {
            ["DataProtection__CertificatePath"] = "/run/secrets/console-keys/tls.crt",
        });

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("DataProtection:CertificatePath and DataProtection:KeyPath are both needed", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADatabaseTheMigrateStepWasNotRunOnStopsTheStartWithOneLine()
    {
        var owner = await TestPostgres.CreateDatabaseAsync();

        var (exit, _, errors) = await RunAsync(["run"], Configured(TestPostgres.AsServiceRole(owner), await TestRabbitMq.AmqpUriAsync()));

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("run the migrate step", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceGivenTheOwnersConnectionStopsSinceItCouldRewriteItsAuditTrail()
    {
        var owner = await TestPostgres.CreateDatabaseAsync();
        var migrate = await RunAsync(["migrate"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = owner,
            ["Database__ServiceRole"] = AccreditationReporting.Storage.DatabaseRoles.Service,
        });
        Assert.True(migrate.Exit == 0, migrate.Errors + migrate.Output);

        var (exit, _, errors) = await RunAsync(["run"], Configured(owner, await TestRabbitMq.AmqpUriAsync()));

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("can change the audit trail", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleartextBeyondLoopbackIsRefusedUnlessTheDeploymentSaysSo()
    {
        var settings = new Dictionary<string, string?>(Configured("Host=127.0.0.1;Port=1;Username=nobody", "amqp://nobody:x@127.0.0.1:1/"))
        {
            ["ASPNETCORE_URLS"] = "http://0.0.0.0:0",
        };

        var (exit, _, errors) = await RunAsync(["run"], settings);

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("http://0.0.0.0:0", line, StringComparison.Ordinal);
        Assert.Contains(DeploymentSettings.AllowCleartextSetting, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InProductionTheApiIsServedOverTlsWithTheConfiguredCertificateToTokenHoldersOnly()
    {
        var owner = await TestPostgres.CreateDatabaseAsync();
        var service = TestPostgres.AsServiceRole(owner);
        var rabbitMq = await TestRabbitMq.AmqpUriAsync();
        var directory = Directory.CreateTempSubdirectory("accreditation-tls-").FullName;
        using var certificate = SelfSigned();
        var pfx = Path.Combine(directory, "grpc.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));

        var migrate = await RunAsync(["migrate"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = owner,
            ["Database__ServiceRole"] = AccreditationReporting.Storage.DatabaseRoles.Service,
        });
        Assert.True(migrate.Exit == 0, migrate.Errors + migrate.Output);

        var port = LoopbackPort.Free();
        var settings = new Dictionary<string, string?>(Configured(service, rabbitMq))
        {
            ["Ingestion__EndpointName"] = $"course-completed-tls-{Guid.NewGuid():N}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"https://127.0.0.1:{port}",
            ["Kestrel__Endpoints__Grpc__Certificate__Path"] = pfx,
            ["Kestrel__Endpoints__Grpc__Certificate__Password"] = "pfx-password",
        };
        using var process = Start(["run"], settings);
        try
        {
            using var handler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
            };
            using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
            var exports = new ExportService.ExportServiceClient(channel);
            var token = new Metadata { { "Authorization", $"Bearer {TestTokens.For(StaffRoles.Compliance)}" } };

            var listed = await Eventually.ValueAsync(async () =>
            {
                try
                {
                    return await exports.ListBatchesAsync(new ListBatchesRequest(), token);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !process.HasExited)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(60), "the service listening over TLS");
            Assert.Empty(listed.Batches);

            var anonymous = await Assert.ThrowsAsync<RpcException>(() => exports.ListBatchesAsync(new ListBatchesRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Dictionary<string, string?> Configured(string postgres, string rabbitMq)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__RabbitMq"] = rabbitMq,
        };
        foreach (var (key, value) in TestTokens.Settings)
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return settings;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A deployment's environment (<see cref="ServiceProcess.StartInfo"/>), logging only warnings unless told otherwise.</summary>
    private static ProcessStartInfo StartInfo(string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var quiet = new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" };
        foreach (var (key, value) in environment)
        {
            quiet[key] = value;
        }

        return ServiceProcess.StartInfo(arguments, quiet);
    }

    private static Process Start(string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var process = Process.Start(StartInfo(arguments, environment))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        return await ProcessRun.ToExitAsync(StartInfo(arguments, environment));
    }
}
