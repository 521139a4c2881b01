using System.Text.Json;
using AccreditationReporting.Contracts;
using AccreditationReporting.Privacy;
using AccreditationReporting.Storage;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AccreditationReporting.Ingestion;

public enum ReplayOutcome
{
    Stored,
    AlreadyStored,
    StillRejected,
    PayloadExpired,
    NotOpen,
    NotFound,
}

public sealed record ReplayResult(long Id, ReplayOutcome Outcome, IReadOnlyList<Rejection> Violations);

/// <summary>
/// Runs rejected messages through today's rules and configuration again. A message is judged as of
/// the time it was first received, so only what was fixed (configuration, code) changes the answer.
/// </summary>
public sealed class RejectedEventReplay(
    ReportingDbContext db, CompletionStore store, TimeProvider time, IOptionsMonitor<EnabledPolicies> policies)
{
    public const int MaxPerCall = 1000;

    public async Task<IReadOnlyList<ReplayResult>> ReplayAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var found = await db.RejectedEvents.Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var results = new List<ReplayResult>(ids.Count);
        foreach (var id in ids.Distinct())
        {
            results.Add(found.TryGetValue(id, out var rejected)
                ? await ReplayOneAsync(rejected, cancellationToken)
                : new ReplayResult(id, ReplayOutcome.NotFound, []));
        }

        return results;
    }

    public async Task<IReadOnlyList<ReplayResult>> ReplayAllOpenAsync(CancellationToken cancellationToken)
    {
        var open = await db.RejectedEvents
            .Where(r => r.Status == RejectionStatus.Open && r.Payload != null)
            .OrderBy(r => r.Id)
            .Select(r => r.Id)
            .Take(MaxPerCall)
            .ToListAsync(cancellationToken);
        return await ReplayAsync(open, cancellationToken);
    }

    private async Task<ReplayResult> ReplayOneAsync(RejectedEvent rejected, CancellationToken cancellationToken)
    {
        if (rejected.Status != RejectionStatus.Open)
        {
            return new ReplayResult(rejected.Id, ReplayOutcome.NotOpen, []);
        }

        if (rejected.Payload is null || rejected.PayloadExpiresAt <= time.GetUtcNow())
        {
            return new ReplayResult(rejected.Id, ReplayOutcome.PayloadExpired, []);
        }

        var check = Check(rejected);
        rejected.Replays++;
        if (check.Accepted is not { } accepted)
        {
            rejected.Violations = [.. check.Rejections];
            rejected.RuleCode = check.Rejections[0].Code;
            rejected.Field = check.Rejections[0].Field;
            await db.SaveChangesAsync(cancellationToken);
            return new ReplayResult(rejected.Id, ReplayOutcome.StillRejected, check.Rejections);
        }

        var outcome = await store.StoreAsync([accepted], [], cancellationToken);
        rejected.EventId = accepted.Completion.EventId;
        rejected.Status = RejectionStatus.Resolved;
        rejected.ResolvedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return new ReplayResult(rejected.Id, outcome.Stored == 1 ? ReplayOutcome.Stored : ReplayOutcome.AlreadyStored, []);
    }

    private CheckResult Check(RejectedEvent rejected)
    {
        CourseCompleted? message;
        try
        {
            // The options MassTransit's raw JSON deserializer uses, so a replay reads the message as ingestion did.
            message = IsEnvelope(rejected.ContentType)
                ? JsonDocument.Parse(rejected.Payload).RootElement.GetProperty("message").Deserialize<CourseCompleted>(SystemTextJsonMessageSerializer.Options)
                : JsonSerializer.Deserialize<CourseCompleted>(rejected.Payload, SystemTextJsonMessageSerializer.Options);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new CheckResult(null, [UnreadableMessages.Describe(rejected.Payload!, exception)]);
        }

        return message is null
            ? new CheckResult(null, [new Rejection(RuleCodes.NotAnEvent, "$", "is not a JSON object")])
            : CompletionCheck.Check(message, rejected.ReceivedAt, policies.CurrentValue.Versions);
    }

    /// <summary>.NET publishers send MassTransit's envelope, with the event under "message".</summary>
    private static bool IsEnvelope(string? contentType) =>
        contentType is not null && contentType.Contains("masstransit", StringComparison.OrdinalIgnoreCase);
}
