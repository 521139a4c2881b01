using System.Text.Json.Nodes;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Exports;

/// <summary>Completion events for export tests: the README example on an activity of the test's own.</summary>
internal static class ExportEvents
{
    public static JsonObject Completion(string activityId, string policy = "mayo-cme-2018-06-15", Action<JsonObject>? change = null) =>
        SampleEvents.Fresh(e =>
        {
            e["policyVersion"] = policy;
            e["activity"]!["activityId"] = activityId;
            change?.Invoke(e);
        }).Json;

    /// <summary>A non-physician who claimed a certificate of participation only.</summary>
    public static void ParticipationOnly(JsonObject e)
    {
        e["learner"]!["profession"] = "other";
        e["claims"] = new JsonArray(new JsonObject { ["creditType"] = "participation", ["amount"] = 7.75 });
        e["consents"]!["boardReporting"] = false;
    }

    public static string LearnerId(JsonObject e) => (string)e["learner"]!["learnerId"]!;

    public static string EventId(JsonObject e) => (string)e["eventId"]!;

    public static string NewActivity() => $"activity-{Guid.NewGuid():N}";
}
