using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Contracts;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AccreditationReporting.Demo;

/// <summary>
/// Shows the service doing its whole job: once it is listening, publishes the sample completions on
/// its bus, waits until each is stored or rejected, reads the learners back, then makes a batch for
/// every recipient over a real gRPC channel and prints what went to whom, what was left out and why,
/// and the first lines of each file.
/// </summary>
internal sealed class DemoRun(
    IBus bus,
    IServer server,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    DevelopmentTokens tokens,
    Exports.ExportCatalog catalog,
    TimeProvider time) : BackgroundService
{
    /// <summary>Lines of each file printed: the header and the first rows.</summary>
    private const int FileLines = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WhenStarted(stoppingToken);
        var samples = SampleCompletions.Create(time.GetUtcNow());
        foreach (var sample in samples)
        {
            await bus.Publish(sample, stoppingToken);
        }

        Console.WriteLine($"demo: published {samples.Count} CourseCompleted events across the four policy versions, {SampleCompletions.Rejected} of them breaking a rule");

        // The API takes only bearer tokens; the demo signs its own with the development key.
        var roleClaim = configuration[AccessExtensions.RoleClaimTypeSetting] is { Length: > 0 } claim ? claim : "role";
        var token = tokens.Mint("demo-compliance", "Demo compliance officer", [StaffRoles.Compliance], roleClaim, time.GetUtcNow(), TimeSpan.FromHours(8));
        var headers = new Metadata { { "Authorization", $"Bearer {token}" } };
        var (grpcAddress, consoleAddress) = await ListeningAddressesAsync(stoppingToken);
        if (grpcAddress is null)
        {
            Console.WriteLine("demo: no address here speaks HTTP/2, which gRPC needs; give one endpoint Protocols=Http2 (see the README's Console section)");
            return;
        }

        using var channel = GrpcChannel.ForAddress(grpcAddress);

        await ShowRejectedAsync(new IngestionService.IngestionServiceClient(channel), headers, samples, stoppingToken);
        await ShowLearnersAsync(new CompletionService.CompletionServiceClient(channel), headers, samples, stoppingToken);
        await ShowBatchesAsync(new ExportService.ExportServiceClient(channel), headers, stoppingToken);

        Console.WriteLine("demo: every call above was made with a compliance token and is in the audit trail (AuditService, role auditor)");
        Console.WriteLine($"demo: a compliance token for this run (its key dies with the process), valid 8 hours: {token}");
        Console.WriteLine("demo: staff get theirs from the identity provider; in development: dotnet user-jwts create --project src/AccreditationReporting --role compliance");
        Console.WriteLine(consoleAddress is null
            ? "demo: the console needs an address a browser speaks to (HTTP/1.1); with --urls or ASPNETCORE_URLS add one, e.g. Kestrel__Endpoints__Console__Url=http://localhost:5080 and Kestrel__Endpoints__Console__Protocols=Http1"
            : $"demo: the console: open {new Uri(new Uri(consoleAddress), "/console")} and sign in as compliance, auditor or privacy-officer on the development sign-in page (no password: it exists only in Development and the demo)");
        Console.WriteLine($"demo: done; gRPC keeps listening at {grpcAddress} (Ctrl+C stops it)");
        if (configuration.GetValue("Demo:ExitWhenDone", false))
        {
            lifetime.StopApplication();
        }
    }

    private static async Task ShowRejectedAsync(
        IngestionService.IngestionServiceClient client, Metadata headers, IReadOnlyList<CourseCompleted> samples, CancellationToken cancellationToken)
    {
        var ids = samples.Select(s => s.EventId!.Value.ToString()).ToHashSet();
        var rejected = await WaitForAsync(
            async () => (await client.ListRejectedEventsAsync(new ListRejectedEventsRequest { PageSize = 1000 }, headers, cancellationToken: cancellationToken))
                .RejectedEvents.Where(r => ids.Contains(r.EventId)).ToList(),
            found => found.Count >= SampleCompletions.Rejected,
            cancellationToken);
        foreach (var r in rejected.OrderBy(r => r.EventId, StringComparer.Ordinal))
        {
            Console.WriteLine($"demo: rejected {r.EventId}: {string.Join("; ", r.Violations.Select(v => $"{v.RuleCode} at {v.Field} ({v.Reason})"))}");
        }
    }

    private static async Task ShowLearnersAsync(
        CompletionService.CompletionServiceClient client, Metadata headers, IReadOnlyList<CourseCompleted> samples, CancellationToken cancellationToken)
    {
        var stored = samples.Take(samples.Count - SampleCompletions.Rejected).ToList();
        foreach (var learnerId in stored.Select(s => s.Learner!.LearnerId!).Distinct())
        {
            var expected = stored.Count(s => s.Learner!.LearnerId == learnerId);
            var record = await ReadBack(client, headers, learnerId, expected, cancellationToken);
            Console.WriteLine($"demo: GetLearnerRecord({learnerId}) -> {record.Completions.Count} completion(s)");
            foreach (var completion in record.Completions)
            {
                var score = completion.HasAssessmentScore ? completion.AssessmentScore.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
                var awards = string.Join(", ", completion.Awards.Select(a =>
                    a.NotAwardedReason.Length == 0 ? $"{a.CreditType} {a.Awarded} of {a.Claimed}" : $"{a.CreditType} 0 of {a.Claimed} ({a.NotAwardedReason})"));
                Console.WriteLine($"demo:   {completion.ActivityId} on {completion.CompletedOn.Year:D4}-{completion.CompletedOn.Month:D2}-{completion.CompletedOn.Day:D2}, score {score}, awards [{awards}], policy {completion.PolicyVersion}{(completion.Current ? "" : ", superseded")}");
            }
        }
    }

    /// <summary>A batch for every recipient: what it holds, what it left out and why, and its first lines.</summary>
    private async Task ShowBatchesAsync(ExportService.ExportServiceClient client, Metadata headers, CancellationToken cancellationToken)
    {
        foreach (var recipient in catalog.Exports.Keys.Order(StringComparer.Ordinal))
        {
            var created = await client.CreateBatchAsync(new CreateBatchRequest { Recipient = recipient }, headers, cancellationToken: cancellationToken);
            if (!created.Created)
            {
                Console.WriteLine($"demo: {recipient}: nothing to send");
                continue;
            }

            var batch = created.Batch;
            var excluded = batch.Exclusions.Count == 0 ? "nothing" : string.Join(", ", batch.Exclusions.Select(e => $"{e.Reason} {e.Count}"));
            Console.WriteLine(
                $"demo: {recipient}: batch {batch.Id}, file {batch.Manifest.FileName}, {batch.Manifest.RowCount} row(s), {batch.Included} completion(s) included; left out: {excluded}");
            foreach (var line in await FirstLinesAsync(client, headers, batch.Id, cancellationToken))
            {
                Console.WriteLine($"demo:   | {line}");
            }
        }
    }

    private static async Task<List<string>> FirstLinesAsync(ExportService.ExportServiceClient client, Metadata headers, long batchId, CancellationToken cancellationToken)
    {
        using var download = client.DownloadBatch(new DownloadBatchRequest { BatchId = batchId }, headers, cancellationToken: cancellationToken);
        var bytes = new MemoryStream();
        await foreach (var part in download.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (part.PartCase == DownloadBatchResponse.PartOneofCase.Chunk)
            {
                part.Chunk.WriteTo(bytes);
            }
        }

        return System.Text.Encoding.UTF8.GetString(bytes.ToArray()).Split("\r\n").Where(l => l.Length > 0).Take(FileLines).ToList();
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private static async Task<LearnerRecord> ReadBack(
        CompletionService.CompletionServiceClient client, Metadata headers, string learnerId, int expected, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                var record = await client.GetLearnerRecordAsync(new GetLearnerRecordRequest { LearnerId = learnerId }, headers, cancellationToken: timeout.Token);
                if (record.Completions.Count >= expected)
                {
                    return record;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // Not consumed yet.
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private Task WhenStarted(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The addresses it listens on, told apart by asking: gRPC needs one that speaks HTTP/2, a browser
    /// one that speaks HTTP/1.1 (the same address behind TLS, two on a developer's plain http).
    /// </summary>
    private async Task<(string? Grpc, string? Console)> ListeningAddressesAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()!.Addresses.Select(Reachable).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        string? grpc = null, console = null;
        foreach (var address in addresses)
        {
            grpc ??= await AnswersAsync(http, address, System.Net.HttpVersion.Version20, cancellationToken) ? address : null;
            console ??= await AnswersAsync(http, address, System.Net.HttpVersion.Version11, cancellationToken) ? address : null;
        }

        return (grpc, console);
    }

    private static async Task<bool> AnswersAsync(HttpClient http, string address, Version version, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(address), StaffConsole.ConsoleExtensions.SignInPath))
            {
                Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await http.SendAsync(request, cancellationToken);
            return response.Version == version && response.StatusCode != System.Net.HttpStatusCode.BadRequest;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string Reachable(string address) =>
        address.Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
}
