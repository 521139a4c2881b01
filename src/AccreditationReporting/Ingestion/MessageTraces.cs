using System.Diagnostics;
using MassTransit;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Remembers the span each message was received in, so the batch that stores it can link to it.
/// MassTransit runs a batch under the span of the one message that completed it; without the links
/// the other messages' traces would end at the batch's door, and storage would show in one trace
/// only (OpenTelemetry's messaging conventions: a batch's span links to each message).
/// </summary>
internal sealed class MessageTraces : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (Activity.Current is { } received)
        {
            context.GetOrAddPayload(() => new ReceivedIn(received.Context));
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("messageTraces");

    /// <summary>Links the batch's span (the current one) to the span each of its messages was received in.</summary>
    public static void Link(IEnumerable<ConsumeContext> messages)
    {
        if (Activity.Current is not { IsAllDataRequested: true } batch)
        {
            return;
        }

        foreach (var message in messages)
        {
            if (message.TryGetPayload<ReceivedIn>(out var received))
            {
                batch.AddLink(new ActivityLink(received.Context));
            }
        }
    }

    private sealed record ReceivedIn(ActivityContext Context);
}
