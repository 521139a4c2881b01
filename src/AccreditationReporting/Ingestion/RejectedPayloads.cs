using System.Text;
using System.Text.Json;
using System.Buffers;
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
    /// The payload as kept for replay, with only what the service reads: the event's properties as
    /// the contract has them (<see cref="EventShape"/>), without the learner's email, and MassTransit's
    /// envelope around it when there is one. Birth year stays: a replay runs the age check again.
    /// Rewritten token by token, so any JSON that reads (duplicate keys, comments, trailing commas) is
    /// minimised; a payload that is not JSON is kept as it came: it cannot be replayed, and it
    /// expires with the rest.
    /// </summary>
    public static byte[] Minimised(ReadOnlyMemory<byte> payload)
    {
        var output = new ArrayBufferWriter<byte>(payload.Length);
        try
        {
            var json = payload.Span.StartsWith("\uFEFF"u8) ? payload.Span[3..] : payload.Span;
            var root = IsEnvelope(payload) ? EventShape.Envelope : EventShape.CourseCompleted;
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            using var writer = new Utf8JsonWriter(output);

            // The shape of each open object or array; an array's is its elements'.
            var open = new Stack<EventShape>();
            var next = root;
            var dropped = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (open.Peek().Of(name) is not { } shape)
                        {
                            // To the end of its value, whatever that is.
                            reader.Skip();
                            dropped = true;
                            continue;
                        }

                        next = shape;
                        writer.WritePropertyName(name);
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        open.Push(next);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.Pop();
                        break;
                }

                Copy(ref reader, writer);

                // Inside an array every element has the array's shape.
                if (open.Count > 0)
                {
                    next = open.Peek();
                }
            }

            writer.Flush();
            return dropped ? output.WrittenSpan.ToArray() : payload.ToArray();
        }
        catch (JsonException)
        {
            return payload.ToArray();
        }
    }

    /// <summary>A MassTransit envelope: an object whose <c>message</c> is the event.</summary>
    private static bool IsEnvelope(ReadOnlyMemory<byte> payload)
    {
        using var document = JsonDocument.Parse(payload, Lenient);
        return Property(document.RootElement, "message") is { ValueKind: JsonValueKind.Object };
    }

    private static void Copy(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject: writer.WriteStartObject(); break;
            case JsonTokenType.EndObject: writer.WriteEndObject(); break;
            case JsonTokenType.StartArray: writer.WriteStartArray(); break;
            case JsonTokenType.EndArray: writer.WriteEndArray(); break;
            case JsonTokenType.PropertyName: writer.WritePropertyName(reader.GetString()!); break;
            case JsonTokenType.String: writer.WriteStringValue(reader.GetString()); break;
            case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
            case JsonTokenType.True: writer.WriteBooleanValue(true); break;
            case JsonTokenType.False: writer.WriteBooleanValue(false); break;
            case JsonTokenType.Null: writer.WriteNullValue(); break;
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
