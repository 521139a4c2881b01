using System.Data.Common;

namespace AccreditationReporting.Storage;

/// <summary>Nullable columns read by name, so a query's columns can be reordered without breaking its reader.</summary>
internal static class ReaderColumns
{
    public static T? ValueOrNull<T>(this DbDataReader reader, string column) where T : struct
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }

    public static string? TextOrNull(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }
}
