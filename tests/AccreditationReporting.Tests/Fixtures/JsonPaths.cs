using System.Globalization;
using System.Text.Json.Nodes;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>Changes an event at a rule's field path ("learner.birthDay", "claims[0].amount"), as rejections name it.</summary>
public static class JsonPaths
{
    public static void SetAt(this JsonObject json, string path, JsonNode? value)
    {
        var (parent, last) = Parent(json, path);
        if (Indexed(last) is var (name, index))
        {
            parent[name]![index] = value;
        }
        else
        {
            parent.AsObject()[last] = value;
        }
    }

    public static void RemoveAt(this JsonObject json, string path)
    {
        var (parent, last) = Parent(json, path);
        if (Indexed(last) is var (name, index))
        {
            parent[name]!.AsArray().RemoveAt(index);
        }
        else
        {
            parent.AsObject().Remove(last);
        }
    }

    private static (JsonNode Parent, string Last) Parent(JsonObject json, string path)
    {
        var parts = path.Split('.');
        JsonNode node = json;
        foreach (var part in parts[..^1])
        {
            node = Indexed(part) is var (name, index) ? node[name]![index]! : node[part]!;
        }

        return (node, parts[^1]);
    }

    private static (string Name, int Index)? Indexed(string part) =>
        part.EndsWith(']')
            ? (part[..part.IndexOf('[')], int.Parse(part[(part.IndexOf('[') + 1)..^1], CultureInfo.InvariantCulture))
            : null;
}
