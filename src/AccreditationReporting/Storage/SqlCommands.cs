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

    /// <summary>Npgsql writes timestamptz from UTC values only.</summary>
    public static NpgsqlParameter Parameter(object value) => value switch
    {
        NpgsqlParameter parameter => parameter,
        DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime() },
        _ => new NpgsqlParameter { Value = value },
    };
}
