using System.Text.Json.Nodes;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>One kustomization rendered, with the lookups the tests make in it.</summary>
internal sealed class RenderedManifests(string kustomization, List<JsonObject> resources)
{
    public string Kustomization { get; } = kustomization;

    public List<JsonObject> Resources { get; } = resources;

    public static async Task<RenderedManifests> BuildAsync(string kustomization) =>
        new(kustomization, YamlDocuments.Parse(await Kustomize.BuildAsync(kustomization)));

    public IEnumerable<JsonObject> OfKind(string kind) => Resources.Where(r => (string?)r["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(r => (string?)r["metadata"]!["name"] == name)
        ?? throw new InvalidOperationException($"{Kustomization} has no {kind}/{name}");

    /// <summary>A generated ConfigMap's entries, found by the name before kustomize's hash suffix.</summary>
    public Dictionary<string, string> ConfigMapData(string generatedName)
    {
        var map = OfKind("ConfigMap").Single(r => ((string)r["metadata"]!["name"]!).StartsWith(generatedName + "-", StringComparison.Ordinal));
        return map["data"]!.AsObject().ToDictionary(e => e.Key, e => (string)e.Value!);
    }

    public static JsonObject PodSpec(JsonObject workload) => workload["spec"]!["template"]!["spec"]!.AsObject();

    public static JsonObject Container(JsonObject workload, string name) =>
        PodSpec(workload)["containers"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name);

    /// <summary>A container's environment as a pod sees it: the ConfigMaps it loads, then its own entries.</summary>
    public Dictionary<string, string> Environment(JsonObject container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container["envFrom"]?.AsArray() ?? [])
        {
            var name = (string)source!["configMapRef"]!["name"]!;
            var map = OfKind("ConfigMap").Single(r => (string?)r["metadata"]!["name"] == name);
            foreach (var (key, value) in map["data"]!.AsObject())
            {
                environment[key] = (string)value!;
            }
        }

        foreach (var entry in container["env"]?.AsArray() ?? [])
        {
            environment[(string)entry!["name"]!] = entry["value"] is { } value ? (string)value! : "(from a secret)";
        }

        return environment;
    }
}
