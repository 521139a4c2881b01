using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace AccreditationReporting.Tests.Kubernetes;

/// <summary>
/// Checks each rendered resource against the type the API server would decode it into: Kubernetes'
/// own kinds against KubernetesClient's models (generated from the Kubernetes OpenAPI schema), the
/// operators' kinds against the records in CustomResources.cs. Strict, as <c>kubectl apply
/// --validate=strict</c> is: an unknown field, a field of the wrong JSON type (a string where an
/// integer belongs), an unparseable quantity, or a kind nobody declared is a problem. The models do
/// not mark required fields or enumerations of core kinds, so those are not checked here.
/// </summary>
internal static class ManifestSchemas
{
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> Types = new()
    {
        [("v1", "ConfigMap")] = typeof(V1ConfigMap),
        [("v1", "Secret")] = typeof(V1Secret),
        [("v1", "Service")] = typeof(V1Service),
        [("v1", "ServiceAccount")] = typeof(V1ServiceAccount),
        [("apps/v1", "Deployment")] = typeof(V1Deployment),
        [("batch/v1", "Job")] = typeof(V1Job),
        [("policy/v1", "PodDisruptionBudget")] = typeof(V1PodDisruptionBudget),
        [("networking.k8s.io/v1", "NetworkPolicy")] = typeof(V1NetworkPolicy),
        [("networking.k8s.io/v1", "Ingress")] = typeof(V1Ingress),
        [("postgresql.cnpg.io/v1", "Cluster")] = typeof(CustomResource<CnpgClusterSpec>),
        [("postgresql.cnpg.io/v1", "ScheduledBackup")] = typeof(CustomResource<CnpgScheduledBackupSpec>),
        [("barmancloud.cnpg.io/v1", "ObjectStore")] = typeof(CustomResource<ObjectStoreSpec>),
        [("rabbitmq.com/v1beta1", "RabbitmqCluster")] = typeof(CustomResource<RabbitmqClusterSpec>),
        [("rabbitmq.com/v1beta1", "Vhost")] = typeof(CustomResource<VhostSpec>),
        [("rabbitmq.com/v1beta1", "User")] = typeof(CustomResource<UserSpec>),
        [("rabbitmq.com/v1beta1", "Permission")] = typeof(CustomResource<PermissionSpec>),
        [("rabbitmq.com/v1beta1", "Policy")] = typeof(CustomResource<PolicySpec>),
    };

    private static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>What is wrong with one resource, each problem naming the resource and the field; empty when nothing is.</summary>
    public static List<string> Problems(JsonObject resource)
    {
        var apiVersion = resource["apiVersion"]?.GetValueKind() == JsonValueKind.String ? (string)resource["apiVersion"]! : null;
        var kind = resource["kind"]?.GetValueKind() == JsonValueKind.String ? (string)resource["kind"]! : null;
        var name = resource["metadata"]?["name"]?.ToString() ?? "(no name)";
        var where = $"{kind ?? "(no kind)"}/{name}";
        if (apiVersion is null || kind is null)
        {
            return [$"{where}: apiVersion and kind are required"];
        }

        if (!Types.TryGetValue((apiVersion, kind), out var type))
        {
            return [$"{where}: {apiVersion} {kind} is not a kind these manifests are checked against"];
        }

        try
        {
            _ = resource.Deserialize(type, Strict);
            return [];
        }
        catch (Exception problem) when (problem is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            // The parts of the message that locate and name the problem, not the whole stack.
            return [$"{where}: {problem.Message.Split(Environment.NewLine)[0]}"];
        }
    }
}
