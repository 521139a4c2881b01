using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.StaffConsole.Charts;

/// <summary>
/// Events stored and rejected on each UTC day of a window, days without any included: counts only.
/// Days are 24 hours from UTC midnight, whatever the session's time zone (a "1 day" interval would
/// follow its daylight saving).
/// </summary>
internal static class EventsPerDay
{
    private const string Sql = """
        SELECT (day AT TIME ZONE 'UTC')::date AS day,
               (SELECT count(*) FROM accreditation.completions c
                 WHERE c.received_at >= day AND c.received_at < day + interval '24 hours') AS stored,
               (SELECT count(*) FROM accreditation.rejected_events r
                 WHERE r.received_at >= day AND r.received_at < day + interval '24 hours') AS rejected
        FROM generate_series(@first_day, @last_day, interval '24 hours') AS day
        ORDER BY day
        """;

    public static async Task<List<(DateOnly Day, long Stored, long Rejected)>> ReadAsync(
        ReportingDbContext db, DateOnly lastDay, int days, CancellationToken cancellationToken)
    {
        var first = new DateTimeOffset(lastDay.AddDays(1 - days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var last = new DateTimeOffset(lastDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = SqlCommands.Named(connection, Sql, ("first_day", first), ("last_day", last));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var counts = new List<(DateOnly, long, long)>();
            while (await reader.ReadAsync(cancellationToken))
            {
                counts.Add((
                    reader.GetFieldValue<DateOnly>(reader.GetOrdinal("day")),
                    reader.GetInt64(reader.GetOrdinal("stored")),
                    reader.GetInt64(reader.GetOrdinal("rejected"))));
            }

            return counts;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
