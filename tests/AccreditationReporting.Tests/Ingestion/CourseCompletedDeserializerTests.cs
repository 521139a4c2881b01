using System.Text;
using System.Text.Json;
using AccreditationReporting.Contracts;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using MassTransit.Serialization;

namespace AccreditationReporting.Tests.Ingestion;

/// <summary>
/// The endpoint's deserializer must read every body exactly as MassTransit's raw JSON deserializer,
/// which it replaces, did: the same message, or the same failure (which decides the rejection rule
/// and the field it names).
/// </summary>
public sealed class CourseCompletedDeserializerTests
{
    public static TheoryData<string> Bodies() =>
    [
        SampleEvents.Fresh().Json.ToJson(),
        SampleEvents.Fresh(e => e["someFieldFromANewerPublisher"] = "ignored").Json.ToJson(),
        SampleEvents.Fresh(e => e["claims"]![0]!["amount"] = "seven").Json.ToJson(),
        SampleEvents.Fresh(e => e["EVENTID"] = e["eventId"]!.DeepClone()).Json.ToJson(),
        "{}",
        "null",
        "[1, 2, 3]",
        "\"a string\"",
        "{\"eventId\": \"not-a-uuid\"}",
        "{\"learner\": {\"boards\": {}}}",
        "this is not JSON",
        "{\"eventId\": ",
        "",
    ];

    [Theory]
    [MemberData(nameof(Bodies))]
    public void A_body_reads_as_MassTransits_raw_deserializer_reads_it(string body)
    {
        var ours = Read(new CourseCompletedDeserializer().CreateDeserializer(), body);
        var massTransits = Read(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), body);

        Assert.Equal(massTransits, ours);
    }

    [Fact]
    public void An_event_is_handed_over_as_the_message_it_was_read_as()
    {
        var context = new CourseCompletedDeserializer().CreateDeserializer()
            .Deserialize(new BytesMessageBody(Encoding.UTF8.GetBytes(SampleEvents.Fresh().Json.ToJson())), EmptyHeaders.Instance);

        Assert.True(context.TryGetMessage<CourseCompleted>(out var first));
        Assert.True(context.TryGetMessage<CourseCompleted>(out var second));
        Assert.Same(first, second);
        Assert.True(context.IsSupportedMessageType<CourseCompleted>());
    }

    /// <summary>The message as JSON, or the failure's type and JSON path, at whichever step it fails.</summary>
    private static string Read(IMessageDeserializer deserializer, string body)
    {
        try
        {
            var context = deserializer.Deserialize(new BytesMessageBody(Encoding.UTF8.GetBytes(body)), EmptyHeaders.Instance);
            return context.TryGetMessage<CourseCompleted>(out var message)
                ? JsonSerializer.Serialize(message)
                : "no message";
        }
        catch (Exception e)
        {
            var json = e as JsonException ?? e.InnerException as JsonException;
            return $"{e.GetType().Name}: {json?.Path}";
        }
    }
}
