namespace AccreditationReporting.Exports;

/// <summary>What one recipient's file holds, in column order (Exports/recipient-formats.json).</summary>
public sealed record RecipientFormat(
    string Id, string Name, bool CountsOnly, string Delimiter, string FileExtension, IReadOnlyList<FormatColumn> Columns)
{
    public char Separator => Delimiter == "tab" ? '\t' : ',';

    public string ContentType => Delimiter == "tab" ? "text/tab-separated-values" : "text/csv";

    public IReadOnlyList<string> Fields => Columns.Select(c => c.Field).ToList();
}

public sealed record FormatColumn(string Field, string Header);
