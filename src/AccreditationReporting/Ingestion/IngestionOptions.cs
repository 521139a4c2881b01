namespace AccreditationReporting.Ingestion;

/// <summary>The <c>Ingestion</c> configuration section.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>The queue and exchange name.</summary>
    public string EndpointName { get; set; } = "course-completed";

    /// <summary>
    /// How long a rejected message's payload (personal data) is kept for replay. After it, the
    /// record of the rejection stays and the payload is deleted.
    /// </summary>
    public TimeSpan RejectedPayloadRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Events stored per database transaction: one set-based write per batch.</summary>
    public int BatchSize { get; set; } = 250;

    /// <summary>How long a batch waits to fill before it is stored anyway.</summary>
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Batches stored at the same time.</summary>
    public int ConcurrentBatches { get; set; } = 2;
}
