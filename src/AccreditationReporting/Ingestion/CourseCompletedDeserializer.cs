using System.Diagnostics.CodeAnalysis;
using System.Net.Mime;
using System.Text.Json;
using AccreditationReporting.Contracts;
using MassTransit;
using MassTransit.Serialization;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// The endpoint's raw JSON deserializer: MassTransit's own (<c>UseRawJsonDeserializer</c>), except
/// that a body which reads as a <see cref="CourseCompleted"/> is read once, straight into it.
/// MassTransit's first parses every body into a JsonDocument and then reads the message out of that
/// document a second time, which doubled the JSON work and its allocations per event
/// (docs/benchmarks.md). The message is read with MassTransit's own serializer options, so it comes
/// out as it did; a body that does not read as one (not JSON, or not an object) goes through
/// MassTransit's deserializer unchanged and fails where it failed before (<see cref="UnreadableMessages"/>).
/// </summary>
public sealed class CourseCompletedDeserializer : ISerializerFactory, IMessageDeserializer
{
    private const RawSerializerOptions Options = RawSerializerOptions.AnyMessageType;

    private readonly SystemTextJsonRawMessageSerializer _raw = new(Options);

    public ContentType ContentType => _raw.ContentType;

    public IMessageSerializer CreateSerializer() => _raw;

    public IMessageDeserializer CreateDeserializer() => this;

    public void Probe(ProbeContext context) => _raw.Probe(context);

    public ConsumeContext Deserialize(ReceiveContext receiveContext) =>
        new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        CourseCompleted? message;
        try
        {
            message = JsonSerializer.Deserialize<CourseCompleted>(body.GetBytes(), SystemTextJsonMessageSerializer.Options);
        }
        catch (Exception)
        {
            // Whatever the reason, MassTransit's own path below reads it as it always did, and fails as it did.
            message = null;
        }

        return message is null
            ? _raw.Deserialize(body, headers, destinationAddress)
            : new ReadCourseCompleted(message, new Lazy<SerializerContext>(() => _raw.Deserialize(body, headers, destinationAddress)),
                new RawMessageContext(headers, destinationAddress!, Options), headers.GetMessageTypes());
    }

    public MessageBody GetMessageBody(string text) => _raw.GetMessageBody(text);

    /// <summary>
    /// A body already read as a <see cref="CourseCompleted"/>. Asked for that, it hands it over; asked
    /// for anything else, it answers as MassTransit's raw context for the same body does.
    /// </summary>
    private sealed class ReadCourseCompleted(
        CourseCompleted message, Lazy<SerializerContext> asMassTransitReadsIt, MessageContext context, string[] messageTypes)
        : BaseSerializerContext(SystemTextJsonMessageSerializer.Instance, context, messageTypes)
    {
        public override bool TryGetMessage<T>([NotNullWhen(true)] out T? read) where T : class
        {
            if (message is T same)
            {
                read = same;
                return true;
            }

            return asMassTransitReadsIt.Value.TryGetMessage(out read);
        }

        public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? read)
        {
            if (messageType.IsInstanceOfType(message))
            {
                read = message;
                return true;
            }

            return asMassTransitReadsIt.Value.TryGetMessage(messageType, out read);
        }

        // Any message type, as the raw deserializer's option says.
        public override bool IsSupportedMessageType<T>() => true;

        public override bool IsSupportedMessageType(Type messageType) => true;

        public override IMessageSerializer GetMessageSerializer() => asMassTransitReadsIt.Value.GetMessageSerializer();

        public override IMessageSerializer GetMessageSerializer<T>(MessageEnvelope envelope, T overlay) =>
            asMassTransitReadsIt.Value.GetMessageSerializer(envelope, overlay);

        public override IMessageSerializer GetMessageSerializer(object other, string[] otherTypes) =>
            asMassTransitReadsIt.Value.GetMessageSerializer(other, otherTypes);

        public override Dictionary<string, object> ToDictionary<T>(T? value) where T : class =>
            asMassTransitReadsIt.Value.ToDictionary(value);
    }
}
