using System.Text.Json;

namespace AccreditationReporting.Exports;

/// <summary>
/// The two declarations minimisation rests on (policies and recipient formats) ship inside the
/// assembly; a deployment may point at its own copy, which is checked the same way.
/// </summary>
internal static class DataFiles
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    public static (Stream Stream, string Origin) Open(string? path, string embeddedName)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return (File.OpenRead(path), path);
        }

        var stream = typeof(DataFiles).Assembly.GetManifestResourceStream(embeddedName)
            ?? throw new InvalidOperationException($"the embedded {embeddedName} is missing from the build");
        return (stream, $"embedded {embeddedName}");
    }
}
