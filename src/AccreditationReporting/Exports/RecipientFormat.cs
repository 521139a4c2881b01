namespace AccreditationReporting.Exports;

/// <summary>What one recipient's file holds, in column order (Exports/recipient-formats.json).</summary>
public sealed record RecipientFormat(
    string Id, string Name, bool CountsOnly, string Delimiter, string FileExtension, IReadOnlyList<FormatColumn> Columns)
{
    private const string TabSeparated = "text/tab-separated-values";

    public char Separator => Delimiter == "tab" ? '\t' : ',';

    public string ContentType => Delimiter == "tab" ? TabSeparated : "text/csv";

    /// <summary>The separator of a file stored under <paramref name="contentType"/>, whatever the format is today.</summary>
    public static char SeparatorOf(string contentType) => contentType == TabSeparated ? '\t' : ',';

    public IReadOnlyList<string> Fields => Columns.Select(c => c.Field).ToList();
}

public sealed record FormatColumn(string Field, string Header);
