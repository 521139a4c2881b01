using System.Diagnostics;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Hosting;

/// <summary>
/// The README's run command: the service as its own process, with no PostgreSQL or RabbitMQ
/// configured, publishes the samples and reads them back over gRPC.
/// </summary>
public sealed class EmbeddedDefaultsTests
{
    [Fact]
    public async Task DemoOnEmbeddedDefaultsStoresTheSamplesAndReadsThemBackOverGrpc()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AccreditationReporting.dll"), "demo", "--Demo:ExitWhenDone=true",
                // As the embedded defaults listen (gRPC on HTTP/2, the console on HTTP/1.1), on free ports.
                "--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Grpc:Protocols=Http2",
                "--Kestrel:Endpoints:Console:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Console:Protocols=Http1",
            },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Postgres"] = string.Empty,
                ["ConnectionStrings__RabbitMq"] = string.Empty,
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
            },
        };
        var (exit, printed, errors) = await ProcessRun.ToExitAsync(start);
        Assert.True(exit == 0, $"exit {exit}: {printed}{errors}");
        Assert.Contains("demo: published 9 CourseCompleted events across the four policy versions, 3 of them breaking a rule", printed, StringComparison.Ordinal);
        Assert.Contains("demo: rejected 00000000-0000-4000-8000-00000000d007: under-age at learner.birthYear", printed, StringComparison.Ordinal);
        Assert.Contains("demo: GetLearnerRecord(demo-learner-1) -> 2 completion(s)", printed, StringComparison.Ordinal);
        Assert.Contains("demo: GetLearnerRecord(demo-learner-2) -> 1 completion(s)", printed, StringComparison.Ordinal);
        Assert.Contains("demo-ecg-course on", printed, StringComparison.Ordinal);

        // The whole job: a batch for every recipient, what it holds, what it left out and why, its first lines.
        Assert.Contains("demo: accme-pars-learners: batch 2, file accme-pars-learners-000002.txt, 1 row(s), 1 completion(s) included; left out: no-consent 1, no-qualifying-claim 1, policy-does-not-allow-recipient 3", printed, StringComparison.Ordinal);
        Assert.Contains("demo: joint-provider/demo-joint-provider: batch 4, file joint-provider-demo-joint-provider-000004.csv, 2 row(s), 2 completion(s) included", printed, StringComparison.Ordinal);
        Assert.Contains("policy-names-another-joint-provider 1", printed, StringComparison.Ordinal);
        Assert.Contains("demo: eaccme-events: batch 3", printed, StringComparison.Ordinal);
        Assert.Contains("demo:   | Add\t202612345\t", printed, StringComparison.Ordinal);

        // Its calls needed a token: it minted one and says how staff get theirs.
        Assert.Contains("demo: a compliance token for this run (its key dies with the process), valid 8 hours: ey", printed, StringComparison.Ordinal);
        Assert.Contains("dotnet user-jwts create --project src/AccreditationReporting --role compliance", printed, StringComparison.Ordinal);

        // And where a browser finds the console, told apart from gRPC's address by asking each.
        Assert.Matches(@"demo: the console: open http://127\.0\.0\.1:\d+/console and sign in as compliance, auditor or privacy-officer", printed);
        Assert.Matches(@"demo: done; gRPC keeps listening at http://127\.0\.0\.1:\d+", printed);
    }
}
