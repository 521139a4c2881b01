namespace AccreditationReporting.Exports;

/// <summary>
/// Marks a row-type property as a field a recipient's format may name. The row type is the
/// allowlist: a format can only choose among these, so a field the recipient may not have has no
/// property to be written from.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ExportFieldAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
