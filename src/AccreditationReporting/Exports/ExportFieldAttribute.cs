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

    /// <summary>
    /// The field says who a learner is or how they did (names, birth date, licence, NPI and board
    /// IDs, scores): the console masks it in a preview until someone entitled to the file reveals it.
    /// </summary>
    public bool Personal { get; init; }
}
