using System.Text.Json;
using System.Text.Json.Nodes;
using AccreditationReporting.Contracts;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>The README's example event, with a fresh event ID and learner ID per test.</summary>
public static class SampleEvents
{
    private static readonly string ExamplePath = Path.Combine(AppContext.BaseDirectory, "Contracts", "course-completed.v1.json");

    public static JsonObject Example() => JsonNode.Parse(File.ReadAllText(ExamplePath))!.AsObject();

    public static (Guid EventId, string LearnerId, JsonObject Json) Fresh(Action<JsonObject>? change = null)
    {
        var json = Example();
        var eventId = Guid.NewGuid();
        var learnerId = $"learner-{Guid.NewGuid():N}";
        json["eventId"] = eventId.ToString();
        json["learner"]!["learnerId"] = learnerId;
        change?.Invoke(json);
        return (eventId, learnerId, json);
    }

    /// <summary>The event as the service's contract reads it (camelCase JSON, as MassTransit reads it).</summary>
    public static CourseCompleted ToMessage(this JsonObject json) =>
        JsonSerializer.Deserialize<CourseCompleted>(json.ToJsonString(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public static string ToJson(this JsonObject json) => json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
