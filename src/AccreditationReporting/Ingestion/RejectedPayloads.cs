using System.Text;
using System.Text.Json;

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
