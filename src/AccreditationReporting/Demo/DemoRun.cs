using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AccreditationReporting.Demo;

/// <summary>
/// Shows the service doing its job: once it is listening, publishes the sample completions on its
/// bus, then reads each learner back over a real gRPC channel and prints what came back.
/// </summary>
internal sealed class DemoRun(
    IBus bus,
    IServer server,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    DevelopmentTokens tokens,
    TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WhenStarted(stoppingToken);
        var samples = SampleCompletions.Create(time.GetUtcNow());
        foreach (var sample in samples)
        {
            await bus.Publish(sample, stoppingToken);
        }

        Console.WriteLine($"demo: published {samples.Count} CourseCompleted events");

        // The API takes only bearer tokens; the demo signs its own with the development key.
        var roleClaim = configuration[AccessExtensions.RoleClaimTypeSetting] is { Length: > 0 } claim ? claim : "role";
        var token = tokens.Mint("demo-compliance", "Demo compliance officer", [StaffRoles.Compliance], roleClaim, time.GetUtcNow(), TimeSpan.FromHours(8));
        var headers = new Metadata { { "Authorization", $"Bearer {token}" } };
        using var channel = GrpcChannel.ForAddress(ListeningAddress());
        var client = new CompletionService.CompletionServiceClient(channel);
        foreach (var learnerId in samples.Select(s => s.Learner!.LearnerId!).Distinct())
        {
            var expected = samples.Count(s => s.Learner!.LearnerId == learnerId);
            var record = await ReadBack(client, headers, learnerId, expected, stoppingToken);
            Console.WriteLine($"demo: GetLearnerRecord({learnerId}) -> {record.Completions.Count} completion(s)");
            foreach (var completion in record.Completions)
            {
                var score = completion.HasAssessmentScore ? completion.AssessmentScore.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";
                var awards = string.Join(", ", completion.Awards.Select(a =>
                    a.NotAwardedReason.Length == 0 ? $"{a.CreditType} {a.Awarded} of {a.Claimed}" : $"{a.CreditType} 0 of {a.Claimed} ({a.NotAwardedReason})"));
                Console.WriteLine($"demo:   {completion.ActivityId} on {completion.CompletedOn.Year:D4}-{completion.CompletedOn.Month:D2}-{completion.CompletedOn.Day:D2}, score {score}, awards [{awards}], policy {completion.PolicyVersion}{(completion.Current ? "" : ", superseded")}");
            }
        }

        Console.WriteLine("demo: every call above was made with a compliance token and is in the audit trail (AuditService, role auditor)");
        Console.WriteLine($"demo: a compliance token for this run (its key dies with the process), valid 8 hours: {token}");
        Console.WriteLine("demo: staff get theirs from the identity provider; in development: dotnet user-jwts create --project src/AccreditationReporting --role compliance");
        Console.WriteLine($"demo: done; the service keeps running at {ListeningAddress()} (Ctrl+C stops it)");
        if (configuration.GetValue("Demo:ExitWhenDone", false))
        {
            lifetime.StopApplication();
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

    private string ListeningAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
    }
}
