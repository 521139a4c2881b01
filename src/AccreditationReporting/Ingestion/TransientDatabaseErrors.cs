using Npgsql;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Which failures are worth retrying: the database said so (Npgsql's IsTransient: connection
/// loss, shutdown, too many connections) or a serialization failure or deadlock (SQLSTATE
/// 40001/40P01), or the server going away (57P01-57P03, class 08). Matched on types and codes, never on message text.
/// </summary>
public static class TransientDatabaseErrors
{
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
