namespace AccreditationReporting.Ingestion;

/// <summary>The <c>Ingestion</c> configuration section.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>The queue and exchange name.</summary>
    public string EndpointName { get; set; } = "course-completed";

    /// <summary>
    /// <c>classic</c> for a single broker node, <c>quorum</c> for a cluster: a quorum queue is
    /// replicated, so a lost node loses no confirmed message. RabbitMQ cannot change a queue's type in
    /// place (README, "Configuration").
    /// </summary>
    public string QueueType { get; set; } = IngestionQueueTypes.Classic;

    /// <summary>
    /// The cluster's nodes besides the host of <c>ConnectionStrings:RabbitMq</c> (<c>host</c> or
    /// <c>host:port</c>), tried in order when a connection is made, so losing one node does not stop ingestion.
    /// </summary>
    public List<string> ClusterNodes { get; set; } = [];

    /// <summary>
    /// How long a rejected message's payload (personal data) is kept for replay. After it, the
    /// record of the rejection stays and the payload is deleted.
    /// </summary>
    public TimeSpan RejectedPayloadRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The largest event body accepted (64 KiB; a real event is 1-2 KiB). A larger one is rejected as
    /// <c>too-large</c> and its payload is not kept, so a publisher cannot fill the database.
    /// </summary>
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>Events stored per database transaction: one set-based write per batch.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long a batch waits to fill before it is stored anyway: the most an event waits before
    /// its batch starts. Too short, and batches under load stay small and cost more per event.
    /// </summary>
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Batches stored at the same time.</summary>
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>
    /// Unacknowledged messages the broker may hand over (never fewer than the batches in flight
    /// hold). Above that, messages wait in the service for a batch instead of in the broker's
    /// queue, where RabbitMQ spends more per message holding a backlog than passing it on.
    /// </summary>
    public int PrefetchCount { get; set; } = 2000;

    public int MessagesInFlight => BatchSize * ConcurrentBatches;

    public int EffectivePrefetchCount => Math.Max(PrefetchCount, MessagesInFlight);
}
