using AccreditationReporting.Hosting;

namespace AccreditationReporting.Ingestion;

/// <summary>The queue types <c>Ingestion:QueueType</c> takes, as RabbitMQ's <c>x-queue-type</c> names them.</summary>
public static class IngestionQueueTypes
{
    public const string Setting = $"{IngestionOptions.Section}:QueueType";
    public const string Classic = "classic";
    public const string Quorum = "quorum";

    /// <summary>The argument RabbitMQ compares when a queue is declared again.</summary>
    public const string Argument = "x-queue-type";

    public static bool IsQuorum(this IngestionOptions options) => options.QueueType == Quorum;

    /// <summary>Stops the start on any other value, rather than quietly declaring a classic queue on a cluster.</summary>
    public static void Validate(IngestionOptions options)
    {
        if (options.QueueType is not (Classic or Quorum))
        {
            throw new StartupProblemException(
                $"{Setting} must be '{Classic}' (one broker node) or '{Quorum}' (a cluster), not '{options.QueueType}'.");
        }
    }
}
