using System.Text;
using System.Text.Json.Nodes;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Cluster;

/// <summary>
/// The messages a busy deployment gets, shuffled: first completions, re-takes of some of them (the
/// same learner and activity later, under a new name, so a sent completion is withdrawn), second
/// activities of some learners (a later name, so a sent completion is corrected), copies a
/// publisher sent twice, and invalid events.
/// </summary>
public sealed class ClusterEvents
{
    private ClusterEvents(List<JsonObject> valid, List<JsonObject> invalid, List<(byte[] Body, Guid MessageId)> messages, int retakes)
    {
        Retakes = retakes;
        Valid = valid;
        Invalid = invalid;
        Messages = messages;
    }

    /// <summary>Every distinct valid event (each stored once, whatever the copies).</summary>
    public IReadOnlyList<JsonObject> Valid { get; }

    /// <summary>Every invalid event: each published once, so each is rejected once.</summary>
    public IReadOnlyList<JsonObject> Invalid { get; }

    /// <summary>Every message in the order published: copies of valid events included.</summary>
    public IReadOnlyList<(byte[] Body, Guid MessageId)> Messages { get; }

    /// <summary>Completions a later event of the same learner and activity supersedes.</summary>
    public long Retakes { get; }

    public int Duplicates => Messages.Count - Valid.Count - Invalid.Count;

    public static int ClaimsOf(JsonObject e) => e["claims"]!.AsArray().Count;

    public static ClusterEvents Generate(int first, int retakes, int secondActivities, int duplicates, int invalid, int activities, int seed)
    {
        var random = new Random(seed);
        var activityIds = Enumerable.Range(0, activities).Select(_ => $"activity-{Guid.NewGuid():N}").ToArray();
        var firsts = Enumerable.Range(0, first)
            .Select(i => SampleEvents.Fresh(e => e["activity"]!["activityId"] = activityIds[i % activities]).Json)
            .ToList();

        // A day later in event time: the re-take supersedes the first completion wherever it was sent.
        var later = firsts.Take(retakes).Select(e => Follow(e, e["activity"]!["activityId"]!.GetValue<string>(), e => e["learner"]!["firstName"] = "Janet"));
        var others = firsts.Skip(retakes).Take(secondActivities)
            .Select((e, i) => Follow(e, activityIds[(i + 1) % activities], e => e["learner"]!["lastName"] = "Doe-Smith"));
        var valid = firsts.Concat(later).Concat(others).ToList();

        var bad = Enumerable.Range(0, invalid)
            .Select(i => SampleEvents.Fresh(e =>
            {
                e["activity"]!["activityId"] = activityIds[i % activities];
                if (i % 2 == 0)
                {
                    e["schemaVersion"] = 2;
                }
                else
                {
                    e["assessment"]!["score"] = 101;
                }
            }).Json)
            .ToList();

        var copies = valid.OrderBy(_ => random.Next()).Take(duplicates);
        var messages = valid.Concat(copies).Concat(bad)
            .Select(e => (Body: Encoding.UTF8.GetBytes(e.ToJson()), MessageId: Guid.NewGuid()))
            .OrderBy(_ => random.Next())
            .ToList();
        return new ClusterEvents(valid, bad, messages, retakes);
    }

    private static JsonObject Follow(JsonObject earlier, string activityId, Action<JsonObject> change)
    {
        var next = JsonNode.Parse(earlier.ToJson())!.AsObject();
        next["eventId"] = Guid.NewGuid().ToString();
        next["occurredAt"] = "2026-11-21T09:00:00Z";
        next["completedOn"] = "2026-11-21";
        next["activity"]!["activityId"] = activityId;
        change(next);
        return next;
    }
}
