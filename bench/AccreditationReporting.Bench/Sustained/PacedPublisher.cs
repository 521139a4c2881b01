using System.Diagnostics;

namespace AccreditationReporting.Bench.Sustained;

/// <summary>What one paced phase published.</summary>
/// <param name="MostBehind">
/// The furthest the publisher fell behind its schedule (publishes due but not yet made, as time at
/// the rate): large only if the confirm window filled, i.e. the broker held publishes back.
/// </param>
internal sealed record PacedPhase(long Published, DateTime StartedAt, DateTime EndedAt, TimeSpan MostBehind);

/// <summary>
/// Publishes fresh events at a steady rate: every few milliseconds it publishes as many as are due
/// by then, so the rate holds over any second however the ticks fall, with publisher confirms and a
/// bounded number awaiting their confirm, as <see cref="ConfirmedPublisher"/> does for the throughput runs.
/// </summary>
internal static class PacedPublisher
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    /// <param name="segmentOf">The report row an event published this far into the phase belongs to.</param>
    public static async Task<PacedPhase> RunAsync(
        ConfirmedPublisher publisher, string exchange, double rate, TimeSpan duration, Func<TimeSpan, int> segmentOf,
        LatencySampler latency, Random random, Action check)
    {
        var awaitingConfirm = new Queue<ValueTask>(publisher.Window);
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        long published = 0;
        var mostBehind = 0L;
        using var timer = new PeriodicTimer(Tick);
        do
        {
            var elapsed = clock.Elapsed;
            if (elapsed >= duration)
            {
                break;
            }

            var due = (long)(elapsed.TotalSeconds * rate);
            mostBehind = Math.Max(mostBehind, due - published);
            for (; published < due; published++)
            {
                while (awaitingConfirm.Count > 0 && (awaitingConfirm.Count == publisher.Window || awaitingConfirm.Peek().IsCompleted))
                {
                    await awaitingConfirm.Dequeue();
                }

                var (eventId, body) = BenchEvents.Next(random, now);
                latency.Published(eventId, DateTime.UtcNow, segmentOf(clock.Elapsed));
                awaitingConfirm.Enqueue(publisher.PublishAsync(exchange, body));
            }

            check();
        }
        while (await timer.WaitForNextTickAsync());

        while (awaitingConfirm.Count > 0)
        {
            await awaitingConfirm.Dequeue();
        }

        return new PacedPhase(published, startedAt, DateTime.UtcNow, TimeSpan.FromSeconds(mostBehind / rate));
    }
}
