using Npgsql;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Reads a service's database directly: tests wait on what was committed, the only outcome that
/// counts, rather than on in-process consume notifications.
/// </summary>
public sealed class ServiceDatabase(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<T>> ColumnAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var values = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    public Task WaitForStoredAsync(Guid eventId, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(
            async () => await ScalarAsync<long>("SELECT count(*) FROM accreditation.processed_events WHERE event_id = @id", ("id", eventId)) > 0,
            timeout,
            $"event {eventId} stored");

    /// <summary>The rule codes recorded for a rejected message, once it is recorded.</summary>
    public async Task<List<string>> WaitForRejectionAsync(Guid messageId, TimeSpan? timeout = null)
    {
        List<string> codes = [];
        await Eventually.TrueAsync(
            async () =>
            {
                codes = await ColumnAsync<string>(
                    "SELECT v->>'code' FROM accreditation.rejected_events, jsonb_array_elements(violations) v WHERE message_id = @id",
                    ("id", messageId));
                return codes.Count > 0;
            },
            timeout,
            $"message {messageId} recorded as rejected");
        return codes;
    }
}
