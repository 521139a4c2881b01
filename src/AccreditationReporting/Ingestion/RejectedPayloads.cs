using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AccreditationReporting.Completions;

namespace AccreditationReporting.Ingestion;

/// <summary>Whose data a rejected message's payload holds, for a learner's erasure.</summary>
internal static class RejectedPayloads
{
    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// True when the payload is about the learner: its <c>learner.learnerId</c> (also under
    /// <c>message</c>, MassTransit's envelope) is that ID, with property names matched regardless of
    /// case as ingestion reads them. A payload that is not JSON cannot be replayed anyway, so any
    /// mention of the ID there counts.
    /// </summary>
    public static bool AreAbout(byte[] payload, string learnerId)
    {
        try
        {
            using var document = JsonDocument.Parse(payload, Lenient);
            var root = document.RootElement;
            return LearnerIdOf(root) == learnerId || (Property(root, "message") is { } message && LearnerIdOf(message) == learnerId);
        }
        catch (JsonException)
        {
            return payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(learnerId)) >= 0;
        }
    }

    /// <summary>The learner ID the message names, when it is JSON and the ID is well formed; else null.</summary>
    public static string? LearnerIdIn(ReadOnlyMemory<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload, Lenient);
            var root = document.RootElement;
            var id = LearnerIdOf(root) ?? (Property(root, "message") is { } message ? LearnerIdOf(message) : null);
            return id is not null && ExternalId.Problem(id) is null ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The payload as kept for replay, without what the service never reads: the learner's email
    /// (no recipient may have it). Birth year stays: a replay runs the age check again. A payload
    /// that is not JSON is kept as it came; it cannot be replayed and expires with the rest.
    /// </summary>
    public static byte[] Minimised(ReadOnlyMemory<byte> payload)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload.Span, documentOptions: Lenient);
        }
        catch (JsonException)
        {
            return payload.ToArray();
        }

        var dropped = DropEmail(root) | (PropertyNode(root, "message") is { } message && DropEmail(message));
        return dropped ? Encoding.UTF8.GetBytes(root!.ToJsonString()) : payload.ToArray();
    }

    private static bool DropEmail(JsonNode? @event)
    {
        if (PropertyNode(@event, "learner") is not JsonObject learner)
        {
            return false;
        }

        var names = learner.Select(p => p.Key).Where(k => string.Equals(k, "email", StringComparison.OrdinalIgnoreCase)).ToList();
        names.ForEach(n => learner.Remove(n));
        return names.Count > 0;
    }

    private static JsonNode? PropertyNode(JsonNode? node, string name) =>
        node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;

    private static string? LearnerIdOf(JsonElement @event) =>
        Property(@event, "learner") is { } learner && Property(learner, "learnerId") is { ValueKind: JsonValueKind.String } id
            ? id.GetString()
            : null;

    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
