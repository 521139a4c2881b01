using System.Globalization;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>How values become cells: invariant culture, dates without time, credits without trailing zeros.</summary>
internal static class Cells
{
    public static string? Credits(decimal? value) => value?.ToString("0.##", CultureInfo.InvariantCulture);

    public static string? UsDate(DateOnly? value) => value?.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture);

    public static string? IsoDate(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string? MonthDay(int? month, int? day) =>
        month is { } m && day is { } d ? $"{m:00}/{d:00}" : null;

    public static string YesNo(bool value) => value ? "Y" : "N";

    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a column of a binary COPY that may be null.</summary>
    public static T? Next<T>(this NpgsqlBinaryExporter export) where T : class
    {
        if (export.IsNull)
        {
            export.Skip();
            return null;
        }

        return export.Read<T>();
    }

    public static T? NextValue<T>(this NpgsqlBinaryExporter export) where T : struct
    {
        if (export.IsNull)
        {
            export.Skip();
            return null;
        }

        return export.Read<T>();
    }
}
