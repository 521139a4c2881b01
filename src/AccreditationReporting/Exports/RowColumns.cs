using System.Reflection;

namespace AccreditationReporting.Exports;

/// <summary>The fields a row type offers (its <see cref="ExportFieldAttribute"/> properties), read through compiled getters.</summary>
internal static class RowColumns<TRow>
{
    public static IReadOnlyDictionary<string, Func<TRow, string?>> Fields { get; } = typeof(TRow)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Property: p, Field: p.GetCustomAttribute<ExportFieldAttribute>()))
        .Where(p => p.Field is not null)
        .ToDictionary(
            p => p.Field!.Name,
            p => p.Property.PropertyType == typeof(string)
                ? p.Property.GetMethod!.CreateDelegate<Func<TRow, string?>>()
                : throw new InvalidOperationException($"{typeof(TRow).Name}.{p.Property.Name} is an export field and must be a string"),
            StringComparer.Ordinal);
}

/// <summary>Setters for the same fields, for rows read back from a file that was sent.</summary>
internal static class RowSetters<TRow>
{
    public static IReadOnlyDictionary<string, Action<TRow, string?>> Fields { get; } = typeof(TRow)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Property: p, Field: p.GetCustomAttribute<ExportFieldAttribute>()))
        .Where(p => p.Field is not null)
        .ToDictionary(p => p.Field!.Name, p => p.Property.SetMethod!.CreateDelegate<Action<TRow, string?>>(), StringComparer.Ordinal);
}
