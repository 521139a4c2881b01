using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// A recipient's HTTP endpoint on a loopback port (Kestrel): it records every request and answers
/// as the test scripts it, by attempt number (1 for the first request it gets).
/// </summary>
public sealed class RecipientEndpoint : IAsyncDisposable
{
    public const string Path = "/inbox";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPush> _received = new();
    private int _requests;

    private RecipientEndpoint(Func<int, CancellationToken, Task<Answer>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // HTTP/1.1 as most receivers speak it; the test's appsettings would otherwise make it HTTP/2 only.
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.MapPost(Path, async context =>
        {
            var attempt = Interlocked.Increment(ref _requests);
            var startedAt = DateTimeOffset.UtcNow;
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            _received.Enqueue(new ReceivedPush(
                attempt, startedAt, body.ToArray(),
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            var scripted = await answer(attempt, context.RequestAborted);
            context.Response.StatusCode = scripted.Status;
            await context.Response.WriteAsync(scripted.Body, context.RequestAborted);
        });
    }

    public IReadOnlyList<ReceivedPush> Received => _received.OrderBy(r => r.Attempt).ToList();

    public Uri Url => new(new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), Path);

    public static async Task<RecipientEndpoint> StartAsync(Func<int, CancellationToken, Task<Answer>> answer)
    {
        var endpoint = new RecipientEndpoint(answer);
        await endpoint._app.StartAsync();
        return endpoint;
    }

    /// <summary>Answers each attempt with the next status in <paramref name="statuses"/>, the last one from then on.</summary>
    public static Task<RecipientEndpoint> StartAsync(params int[] statuses) =>
        StartAsync((attempt, _) => Task.FromResult(new Answer(statuses[Math.Min(attempt, statuses.Length) - 1])));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record Answer(int Status, string Body = "");
}

/// <summary>One request as the endpoint got it, whether or not the sender waited for the answer.</summary>
public sealed record ReceivedPush(int Attempt, DateTimeOffset StartedAt, byte[] Body, IReadOnlyDictionary<string, string> Headers);
