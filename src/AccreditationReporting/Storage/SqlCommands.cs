using Npgsql;

namespace AccreditationReporting.Storage;

/// <summary>Hand-written statements with positional parameters ($1, $2, ...), for the paths EF is too slow for.</summary>
internal static class SqlCommands
{
    public static NpgsqlCommand Create(NpgsqlConnection connection, string sql, params object[] values)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    /// <summary>A statement with named parameters (<c>@name</c>): for the long export queries, where names read better than positions.</summary>
    public static NpgsqlCommand Named(NpgsqlConnection connection, string sql, params (string Name, object Value)[] values)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in values)
        {
            var parameter = Parameter(value);
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Create(connection, sql, values);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs a statement and returns the rows it changed.</summary>
    public static async Task<int> RowsAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Create(connection, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = Create(connection, sql, values);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Npgsql writes timestamptz from UTC values only.</summary>
    public static NpgsqlParameter Parameter(object value) => value switch
    {
        NpgsqlParameter parameter => parameter,
        DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime() },
        _ => new NpgsqlParameter { Value = value },
    };
}
