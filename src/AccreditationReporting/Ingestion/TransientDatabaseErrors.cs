using Npgsql;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Which failures are worth retrying: the database said so (Npgsql's IsTransient: connection
/// loss, shutdown, too many connections) or a serialization failure or deadlock (SQLSTATE
/// 40001/40P01), or the server going away (57P01-57P03, class 08). Matched on types and codes, never on message text.
/// </summary>
public static class TransientDatabaseErrors
{
    /// <summary>
    /// Retries after a transient fault: with <see cref="RetryDelay"/> about three and a half minutes
    /// in all, long enough to ride out a database restart or fail-over.
    /// </summary>
    public const int RetryLimit = 20;

    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);

    /// <summary>Doubling from <see cref="FirstRetryDelay"/> up to <see cref="MaxRetryDelay"/>.</summary>
    public static TimeSpan RetryDelay(int retry) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(retry, 16)));

    public static bool IsTransient(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }:
                case PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }:
                case PostgresException { SqlState: [ '0', '8', _, _, _] }:
                case NpgsqlException { IsTransient: true }:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
