using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>
/// What a container of a rendered workload would get from the kubelet, made on this machine: its
/// volumes as directories (a ConfigMap's entries as files, a Secret's keys from the test's own
/// values, an emptyDir empty) and its environment: the ConfigMaps it loads, then its entries in
/// order, Secrets from the test's values, <c>$(VAR)</c> expanded as Kubernetes expands it (only
/// names defined before), and every mount path rewritten to its directory here.
/// </summary>
internal sealed partial class PodEnvironment : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("accreditation-pod-").FullName;

    public PodEnvironment(
        RenderedManifests rendered,
        JsonObject workload,
        string containerName,
        IReadOnlyDictionary<(string Secret, string Key), string> secrets)
    {
        var pod = RenderedManifests.PodSpec(workload);
        var container = RenderedManifests.Container(workload, containerName);
        var volumes = (pod["volumes"]?.AsArray() ?? []).ToDictionary(v => (string)v!["name"]!, v => v!.AsObject());
        var mounts = new List<(string MountPath, string Directory)>();
        foreach (var mount in container["volumeMounts"]?.AsArray() ?? [])
        {
            var name = (string)mount!["name"]!;
            var directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
            var volume = volumes[name];
            if (volume["configMap"] is { } configMap)
            {
                var map = rendered.Single("ConfigMap", (string)configMap["name"]!);
                foreach (var (key, value) in map["data"]!.AsObject())
                {
                    File.WriteAllText(Path.Combine(directory, key), (string)value!);
                }
            }
            else if (volume["secret"] is { } secret)
            {
                var secretName = (string)secret["secretName"]!;
                var keys = secret["items"]?.AsArray().Select(i => ((string)i!["key"]!, (string)i["path"]!))
                    ?? secrets.Keys.Where(k => k.Secret == secretName).Select(k => (k.Key, k.Key));
                foreach (var (key, path) in keys)
                {
                    File.WriteAllText(Path.Combine(directory, path), secrets[(secretName, key)]);
                }
            }
            else if (volume["emptyDir"] is null)
            {
                throw new InvalidOperationException($"volume {name}: only configMap, secret and emptyDir volumes are emulated");
            }

            mounts.Add(((string)mount["mountPath"]!, directory));
            if ((string)mount["mountPath"]! == "/tmp")
            {
                Variables["TMPDIR"] = directory;
            }
        }

        foreach (var (key, value) in rendered.Environment(new JsonObject { ["envFrom"] = container["envFrom"]?.DeepClone() }))
        {
            Variables[key] = value;
        }

        foreach (var entry in container["env"]?.AsArray() ?? [])
        {
            var name = (string)entry!["name"]!;
            if (entry["value"] is { } value)
            {
                Variables[name] = DependentVariable().Replace((string)value!, m => Variables.TryGetValue(m.Groups[1].Value, out var defined) ? defined : m.Value);
            }
            else if (entry["valueFrom"]?["secretKeyRef"] is { } reference)
            {
                var key = ((string)reference["name"]!, (string)reference["key"]!);
                if (secrets.TryGetValue(key, out var secretValue))
                {
                    Variables[name] = secretValue;
                }
                else if ((bool?)reference["optional"] != true)
                {
                    throw new InvalidOperationException($"{name}: the test gives no value for Secret {key.Item1} key {key.Item2}");
                }
            }
        }

        foreach (var (key, value) in Variables.ToList())
        {
            Variables[key] = mounts.Aggregate(value, (text, mount) => text.Replace(mount.MountPath + "/", mount.Directory + "/", StringComparison.Ordinal));
        }

        Args = container["args"]?.AsArray().Select(a => (string)a!).ToList() ?? [];
    }

    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public List<string> Args { get; }

    /// <summary>A place under which nothing can be written, even by root: a path below a regular file.</summary>
    public string Unwritable
    {
        get
        {
            var file = Path.Combine(_root, "read-only-root");
            File.WriteAllText(file, "");
            return Path.Combine(file, "home");
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex DependentVariable();
}
