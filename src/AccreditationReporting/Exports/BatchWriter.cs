using CsvHelper;

namespace AccreditationReporting.Exports;

/// <summary>How every export file is written and read back: the one place the CSV dialect is chosen.</summary>
internal static class BatchWriter
{
    /// <summary>Every record ends with it, the last one too.</summary>
    public const string NewLine = "\r\n";

    /// <summary>
    /// RFC 4180 quoting; a text cell starting with = + - @, tab or CR gets a leading apostrophe, so a
    /// spreadsheet shows it as text instead of running it (OWASP, CSV injection). Numbers and dates
    /// are written by this service and never start with those.
    /// </summary>
    public static CsvWriterOptions WriterOptions(RecipientFormat format) => new()
    {
        Mode = CsvMode.Rfc4180,
        Separator = format.Separator,
        NewLine = BatchWriter.NewLine,
        Injection = CsvInjection.Escape,
    };

    /// <param name="hasHeader">False to read the header as the first record (a copy of the file).</param>
    public static CsvReaderOptions ReaderOptions(char separator, bool hasHeader = true) => new()
    {
        Mode = CsvMode.Rfc4180,
        Separator = separator,
        HasHeader = hasHeader,
        TrimWhitespace = false,
        DetectSeparatorHint = false,
        // Cells hold personal data.
        IncludeValuesInExceptions = false,
    };
}
