using System.Buffers;

namespace AccreditationReporting.Completions;

/// <summary>
/// Whether text holds a control character (what <see cref="char.IsControl(char)"/> calls one: U+0000-U+001F
/// and U+007F-U+009F). Ingestion checks every text field of every event, so in one vectorised pass
/// rather than a LINQ enumerator per field.
/// </summary>
public static class ControlCharacters
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]);

    public static bool In(string value) => value.AsSpan().ContainsAny(Controls);
}
