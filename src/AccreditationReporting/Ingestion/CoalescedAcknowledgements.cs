using System.Runtime.CompilerServices;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Acknowledges the endpoint's deliveries a run at a time (<c>basic.ack</c> with <c>multiple</c>)
/// instead of one frame per message. A batch of hundreds commits at once, and MassTransit then
/// acknowledges each of its messages separately, in whatever order their tasks resume: a frame, a
/// send and a broker round of work per message, and, out of order, a walk of the broker's list of
/// unacknowledged deliveries per acknowledgement (RabbitMQ 3.x). On a small machine the broker's and
/// the service's CPU is what limits ingestion (docs/benchmarks.md). Nothing is acknowledged earlier
/// than before: only deliveries that MassTransit itself acknowledges, after their batch committed,
/// and only once every older delivery on the channel is settled.
/// </summary>
public sealed class CoalescedAcknowledgements : IFilter<ChannelContext>
{
    // Per RabbitMQ channel, not per pass of the pipe: MassTransit may send the pipe again on the same
    // open channel (after the broker cancels the consumer), whose tags go on from where they were; a
    // fresh window there would wait for tag 1 forever and acknowledge nothing.
    private readonly ConditionalWeakTable<IChannel, ChannelAcknowledgements> _channels = new();

    public Task Send(ChannelContext context, IPipe<ChannelContext> next) =>
        next.Send(new CoalescingChannelContext(context, _channels.GetOrCreateValue(context.Channel)));

    public void Probe(ProbeContext context) => context.CreateFilterScope("coalescedAcknowledgements");
}

/// <summary>The endpoint's channel as its consumer sees it, with acknowledgements gathered.</summary>
internal sealed class CoalescingChannelContext : SharedChannelContext, ChannelContext
{
    private readonly ChannelContext _channel;
    private readonly ChannelAcknowledgements _acknowledgements;

    public CoalescingChannelContext(ChannelContext channel, ChannelAcknowledgements acknowledgements)
        : base(channel, channel.CancellationToken)
    {
        _channel = channel;
        _acknowledgements = acknowledgements;
    }

    ValueTask ChannelContext.BasicAck(ulong deliveryTag, bool multiple, CancellationToken cancellationToken) =>
        multiple ? _channel.BasicAck(deliveryTag, multiple, cancellationToken) : new ValueTask(_acknowledgements.AcknowledgeAsync(_channel, deliveryTag));

    async Task ChannelContext.BasicNack(ulong deliveryTag, bool multiple, bool requeue, CancellationToken cancellationToken)
    {
        // Handed back first: an acknowledgement of a later delivery, with multiple set, would otherwise take it too.
        await _channel.BasicNack(deliveryTag, multiple, requeue, cancellationToken);
        if (!multiple)
        {
            await _acknowledgements.HandedBackAsync(_channel, deliveryTag);
        }
    }
}

/// <summary>
/// One channel's acknowledgements: the delivery that completes a run of settled ones asks for one
/// acknowledgement of the whole run, and while one is being sent the runs completed meanwhile wait to
/// go together in the next.
/// </summary>
internal sealed class ChannelAcknowledgements
{
    private readonly Lock _lock = new();
    private readonly AcknowledgementWindow _window = new();
    private ulong _requested;
    private ulong _sent;
    private bool _sending;
    private TaskCompletionSource _nextSend = NewSend();

    /// <returns>
    /// Done once an acknowledgement covering the delivery has gone out; at once for a delivery that
    /// waits on an older one, whose own settling then acknowledges both.
    /// </returns>
    public Task AcknowledgeAsync(ChannelContext channel, ulong deliveryTag)
    {
        lock (_lock)
        {
            return _window.Acknowledge(deliveryTag) ? Request(channel) : Task.CompletedTask;
        }
    }

    /// <returns>Done once the acknowledgements of the newer deliveries it held back have gone out, if any.</returns>
    public Task HandedBackAsync(ChannelContext channel, ulong deliveryTag)
    {
        lock (_lock)
        {
            return _window.HandBack(deliveryTag) ? Request(channel) : Task.CompletedTask;
        }
    }

    private Task Request(ChannelContext channel)
    {
        _requested = _window.AcknowledgeUpTo;
        if (!_sending)
        {
            // On the thread pool, so the other messages of the batch settle meanwhile and go in the same frame.
            _sending = true;
            _ = Task.Run(() => SendAsync(channel));
        }

        return _nextSend.Task;
    }

    private async Task SendAsync(ChannelContext channel)
    {
        while (true)
        {
            ulong upTo;
            TaskCompletionSource sent;
            lock (_lock)
            {
                if (_requested <= _sent)
                {
                    _sending = false;
                    return;
                }

                (upTo, sent, _nextSend) = (_requested, _nextSend, NewSend());
            }

            try
            {
                // Committed work is acknowledged even while the endpoint stops, or it would be delivered again.
                await channel.BasicAck(upTo, multiple: true, CancellationToken.None);
            }
            catch (Exception exception)
            {
                // The channel is gone, and its unacknowledged deliveries with it: the broker delivers them
                // again, and the inbox finds them stored. Whoever waits hears of it, as MassTransit would.
                TaskCompletionSource waiting;
                lock (_lock)
                {
                    (waiting, _nextSend, _sending) = (_nextSend, NewSend(), false);
                }

                sent.SetException(exception);
                waiting.SetException(exception);

                // Nobody may be waiting for the next one yet: read, so its exception is not reported as unobserved.
                _ = waiting.Task.Exception;
                return;
            }

            lock (_lock)
            {
                _sent = upTo;
            }

            sent.SetResult();
        }
    }

    private static TaskCompletionSource NewSend() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
