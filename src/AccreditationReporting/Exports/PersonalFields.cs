using System.Reflection;

namespace AccreditationReporting.Exports;

/// <summary>
/// The export fields any row type marks <see cref="ExportFieldAttribute.Personal"/>. Read from every
/// row type rather than the recipient's own: a batch outlives its recipient's configuration, and a
/// field that is personal in one file is personal in all.
/// </summary>
public static class PersonalFields
{
    private static readonly HashSet<string> Names = typeof(ExportFieldAttribute).Assembly.GetTypes()
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .Select(p => p.GetCustomAttribute<ExportFieldAttribute>())
        .Where(f => f is { Personal: true })
        .Select(f => f!.Name)
        .ToHashSet(StringComparer.Ordinal);

    public static bool Contains(string field) => Names.Contains(field);
}
