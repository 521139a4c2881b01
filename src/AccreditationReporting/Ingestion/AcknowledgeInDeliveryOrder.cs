using System.Runtime.CompilerServices;
using MassTransit;
using MassTransit.RabbitMqTransport;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Holds each message, once processed, until every message delivered before it on its channel has
/// been let go, so MassTransit acknowledges them in delivery order. A batch finishes all at once and
/// MassTransit then acknowledges its messages one by one in whatever order their tasks resume;
/// RabbitMQ 3.x finds an acknowledged tag by walking its channel's and queue's lists of
/// unacknowledged deliveries from the oldest, so out-of-order acknowledgements cost the broker work
/// in proportion to the prefetch (docs/benchmarks.md). A failed message is let go at once.
/// </summary>
public sealed class AcknowledgeInDeliveryOrder : IFilter<ReceiveContext>
{
    private readonly ConditionalWeakTable<ChannelContext, DeliveryOrder> _channels = new();

    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        if (!context.TryGetPayload<ChannelContext>(out var channel) || context is not RabbitMqBasicConsumeContext delivery)
        {
            await next.Send(context);
            return;
        }

        var order = _channels.GetValue(channel, _ => new DeliveryOrder());
        var tag = delivery.DeliveryTag;
        order.Start(tag);
        try
        {
            await next.Send(context);
            await order.OldestAsync(tag);
        }
        finally
        {
            order.LetGo(tag);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("acknowledgeInDeliveryOrder");
}
