using System.Globalization;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>How values become cells: invariant culture, dates without time, credits without trailing zeros.</summary>
internal static class Cells
{
    // Formatted by hand: these run for every row of batches of millions, where a custom format
    // string is parsed on every call. CellsTests checks them against the format strings they replace.

    /// <summary>Credits as <c>0.##</c> would write them: at most two decimals, no trailing zeros.</summary>
    public static string? Credits(decimal? value)
    {
        if (value is not { } credits)
        {
            return null;
        }

        Span<char> text = stackalloc char[40];
        credits.TryFormat(text, out var length, "F2", CultureInfo.InvariantCulture);
        while (text[length - 1] == '0')
        {
            length--;
        }

        if (text[length - 1] == '.')
        {
            length--;
        }

        return new string(text[..length]);
    }

    /// <summary>MM/dd/yyyy.</summary>
    public static string? UsDate(DateOnly? value) =>
        value is { } date
            ? string.Create(10, date, static (text, d) =>
            {
                TwoDigits(text, d.Month);
                text[2] = '/';
                TwoDigits(text[3..], d.Day);
                text[5] = '/';
                FourDigits(text[6..], d.Year);
            })
            : null;

    /// <summary>yyyy-MM-dd.</summary>
    public static string? IsoDate(DateOnly? value) =>
        value is { } date
            ? string.Create(10, date, static (text, d) =>
            {
                FourDigits(text, d.Year);
                text[4] = '-';
                TwoDigits(text[5..], d.Month);
                text[7] = '-';
                TwoDigits(text[8..], d.Day);
            })
            : null;

    /// <summary>MM/dd.</summary>
    public static string? MonthDay(int? month, int? day) =>
        month is { } m && day is { } d && m is >= 1 and <= 99 && d is >= 1 and <= 99
            ? string.Create(5, (m, d), static (text, md) =>
            {
                TwoDigits(text, md.m);
                text[2] = '/';
                TwoDigits(text[3..], md.d);
            })
            : month is { } mm && day is { } dd ? $"{mm:00}/{dd:00}" : null;

    private static void TwoDigits(Span<char> text, int value)
    {
        text[0] = (char)('0' + value / 10);
        text[1] = (char)('0' + value % 10);
    }

    private static void FourDigits(Span<char> text, int value)
    {
        TwoDigits(text, value / 100);
        TwoDigits(text[2..], value % 100);
    }

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
