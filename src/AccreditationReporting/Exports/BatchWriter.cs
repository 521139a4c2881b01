using CsvHelper;

namespace AccreditationReporting.Exports;

/// <summary>How every export file is written and read back: the one place the CSV dialect is chosen.</summary>
internal static class BatchWriter
{
    /// <summary>
    /// RFC 4180 quoting; a text cell starting with = + - @, tab or CR gets a leading apostrophe, so a
    /// spreadsheet shows it as text instead of running it (OWASP, CSV injection). Numbers and dates
    /// are written by this service and never start with those.
    /// </summary>
    public static CsvWriterOptions WriterOptions(RecipientFormat format) => new()
    {
        Mode = CsvMode.Rfc4180,
        Separator = format.Separator,
        NewLine = "\r\n",
        Injection = CsvInjection.Escape,
    };

    public static CsvReaderOptions ReaderOptions(char separator) => new()
    {
        Mode = CsvMode.Rfc4180,
        Separator = separator,
        HasHeader = true,
        TrimWhitespace = false,
        DetectSeparatorHint = false,
        // Cells hold personal data.
        IncludeValuesInExceptions = false,
    };
}
