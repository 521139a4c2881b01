using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>
/// The production overlay's migrate Job and Deployment, run here as the kubelet would run their
/// containers: the image's command with the rendered arguments, environment and volumes (see
/// PodEnvironment), on the test's PostgreSQL and RabbitMQ. What belongs to the cluster is swapped
/// for this machine's, and only that: the servers' addresses (TLS to PostgreSQL off, as the test
/// server has none), loopback ports for 0.0.0.0, a unique queue name, the test's offline token keys
/// for the identity provider, and the Secrets' values. Everything else is the manifests' own: the
/// settings and their names, the declarations from the ConfigMap, the console's PEM certificate
/// files, the roles the Job and the service log in as, the shutdown timeout, and a home directory
/// nothing can be written to (the read-only root file system).
/// </summary>
public sealed class KubernetesPodTests
{
    private static readonly string ServiceDll = Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll");

    [Fact]
    public async Task TheJobMigratesAsTheOwnerThenTheDeploymentsPodBecomesReadyServesAndStopsCleanly()
    {
        var production = await RenderedManifests.BuildAsync("overlays/production");
        var owner = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync());
        var broker = new Uri(await TestRabbitMq.AmqpUriAsync());
        var brokerUser = broker.UserInfo.Split(':').Select(Uri.UnescapeDataString).ToArray();
        using var certificate = SelfSigned();
        var certificatePem = certificate.ExportCertificatePem();
        using var key = certificate.GetRSAPrivateKey()!;
        var secrets = new Dictionary<(string, string), string>
        {
            [("accreditation-postgres-app", "username")] = DatabaseRoles.Owner,
            [("accreditation-postgres-app", "password")] = owner.Password!,
            [("accreditation-postgres-ca", "ca.crt")] = certificatePem,
            [("accreditation-postgres-service", "password")] = owner.Password!,
            [("accreditation-rabbitmq-service", "username")] = brokerUser[0],
            [("accreditation-rabbitmq-service", "password")] = brokerUser[1],
            [("accreditation-reporting-secrets", "audit-chain-key")] = Convert.ToBase64String(TestTokens.ChainKey),
            [("accreditation-reporting-console-tls", "tls.crt")] = certificatePem,
            // PKCS#1, as cert-manager writes an RSA key by default.
            [("accreditation-reporting-console-tls", "tls.key")] = key.ExportRSAPrivateKeyPem(),
            [("accreditation-reporting-console-keys", "tls.crt")] = certificatePem,
            [("accreditation-reporting-console-keys", "tls.key")] = key.ExportRSAPrivateKeyPem(),
        };

        // The Job: `migrate` as the owner, granting the service's role.
        using (var job = new PodEnvironment(production, production.Single("Job", "accreditation-reporting-migrate"), "migrate", secrets))
        {
            OnThisMachine(job, owner, broker, ports: []);
            var (exit, printed) = await RunToEndAsync(job);
            Assert.True(exit == 0, $"migrate exited {exit}: {printed}");
        }

        // The Deployment's container.
        var deployment = production.Single("Deployment", "accreditation-reporting");
        using var pod = new PodEnvironment(production, deployment, "service", secrets);
        var ports = new Dictionary<int, int>();
        OnThisMachine(pod, owner, broker, ports);
        using var process = Start(pod, out var output);
        try
        {
            var container = RenderedManifests.Container(deployment, "service");
            var probePort = ports[(int)container["readinessProbe"]!["grpc"]!["port"]!];
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{probePort}");

            // The readiness probe's question, over cleartext HTTP/2 as the kubelet asks it.
            var health = new Health.HealthClient(channel);
            await Eventually.TrueAsync(async () =>
            {
                Assert.False(process.HasExited, $"the service exited {(process.HasExited ? process.ExitCode : 0)}: {output}");
                try
                {
                    return (await health.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.Serving;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(90), "the pod ready (gRPC health SERVING)");

            // The API's callers, on the same port, with a token.
            var listed = await new ExportService.ExportServiceClient(channel).ListBatchesAsync(
                new ListBatchesRequest(), new Metadata { { "Authorization", $"Bearer {TestTokens.For(StaffRoles.Compliance)}" } });
            Assert.Empty(listed.Batches);

            // The console's port, as ingress-nginx reaches it: https, HTTP/1.1, the Secret's PEM certificate.
            var consolePort = ports[(int)container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "console")!["containerPort"]!];
            using var handler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
            };
            using var browser = new HttpClient(handler);
            using var stylesheet = await browser.GetAsync(new Uri($"https://127.0.0.1:{consolePort}/css/console.css"));
            Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
            Assert.Equal(HttpVersion.Version11, stylesheet.Version);

            // Stopping as the kubelet stops it: SIGTERM, then a clean exit within the grace period.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds((int)RenderedManifests.PodSpec(deployment)["terminationGracePeriodSeconds"]!));
            await process.WaitForExitAsync(grace.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode} after SIGTERM: {output}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    /// <summary>Swaps what belongs to the cluster for this machine's (see the class summary); nothing else.</summary>
    private static void OnThisMachine(PodEnvironment pod, NpgsqlConnectionStringBuilder database, Uri broker, Dictionary<int, int> ports)
    {
        var variables = pod.Variables;
        foreach (var name in new[] { "ConnectionStrings__Postgres", "ConnectionStrings__PostgresMigrations" }.Where(variables.ContainsKey))
        {
            var connection = new NpgsqlConnectionStringBuilder(variables[name])
            {
                Host = database.Host,
                Port = database.Port,
                Database = database.Database,
                SslMode = SslMode.Disable,
                RootCertificate = null,
            };
            variables[name] = connection.ConnectionString;
        }

        if (variables.TryGetValue("ConnectionStrings__RabbitMq", out var amqp))
        {
            var uri = new Uri(amqp);
            variables["ConnectionStrings__RabbitMq"] = $"{uri.Scheme}://{uri.UserInfo}@{broker.Host}:{broker.Port}{broker.AbsolutePath}";
            variables["Ingestion__EndpointName"] = $"{variables["Ingestion__EndpointName"]}-k8s-{Guid.NewGuid():N}";
        }

        foreach (var name in variables.Keys.Where(k => k.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal) && k.EndsWith("__Url", StringComparison.Ordinal)).ToList())
        {
            var url = new Uri(variables[name]);
            Assert.Equal("0.0.0.0", url.Host);
            var free = LoopbackPort.Free();
            ports[url.Port] = free;
            variables[name] = $"{url.Scheme}://127.0.0.1:{free}";
        }

        if (variables.Remove("Authentication__Schemes__Bearer__Authority"))
        {
            foreach (var (key, value) in TestTokens.Settings)
            {
                variables[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
            }
        }

        variables["HOME"] = pod.Unwritable;
    }

    /// <summary>The image's entrypoint (<c>dotnet AccreditationReporting.dll</c>) with the container's arguments and nothing of this process's settings.</summary>
    private static ProcessStartInfo StartInfo(PodEnvironment pod)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServiceDll);
        foreach (var argument in pod.Args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in pod.Variables)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static Process Start(PodEnvironment pod, out StringBuilder output)
    {
        var process = Process.Start(StartInfo(pod))!;
        var lines = output = new StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (lines) { lines.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (lines) { lines.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int Exit, string Output)> RunToEndAsync(PodEnvironment pod)
    {
        var (exit, output, errors) = await ProcessRun.ToExitAsync(StartInfo(pod));
        return (exit, output + errors);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=accreditation-reporting", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
