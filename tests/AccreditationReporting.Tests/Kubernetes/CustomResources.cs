using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace AccreditationReporting.Tests.Kubernetes;

// The custom resources the manifests use, as typed records of the fields they use, written from the
// operators' CRDs (CloudNativePG v1.30.0, its Barman Cloud plugin v0.14.0, RabbitMQ Cluster Operator
// v2.22.3, Messaging Topology Operator v1.20.1). No registry package ships those CRDs, so this is a
// strict typed check, not the CRDs' own schemas: a field not declared here, a value of the wrong
// type, an enum value the CRD does not list, or a missing required field is refused; patterns,
// minimums and the CRDs' CEL rules are not checked. Embedded Kubernetes types (resources, affinity,
// tolerations) are KubernetesClient's models, checked as strictly as core resources.

/// <summary>A custom resource as written in a manifest: no status.</summary>
internal sealed record CustomResource<TSpec>(
    [property: JsonRequired] string ApiVersion,
    [property: JsonRequired] string Kind,
    [property: JsonRequired] V1ObjectMeta Metadata,
    [property: JsonRequired] TSpec Spec);

internal sealed record NameReference([property: JsonRequired] string Name);

internal sealed record SecretKey([property: JsonRequired] string Name, [property: JsonRequired] string Key);

// CloudNativePG: postgresql.cnpg.io/v1

internal sealed record CnpgClusterSpec(
    [property: JsonRequired] int Instances,
    string? ImageName,
    PrimaryUpdateStrategy? PrimaryUpdateStrategy,
    PrimaryUpdateMethod? PrimaryUpdateMethod,
    CnpgPostgresConfiguration? Postgresql,
    CnpgBootstrap? Bootstrap,
    CnpgManaged? Managed,
    CnpgStorage? Storage,
    CnpgStorage? WalStorage,
    V1ResourceRequirements? Resources,
    CnpgAffinity? Affinity,
    List<CnpgPlugin>? Plugins,
    bool? EnableSuperuserAccess,
    bool? EnablePDB,
    Dictionary<string, JsonNode>? InheritedMetadata);

internal enum PrimaryUpdateStrategy { Unsupervised, Supervised }

internal enum PrimaryUpdateMethod { Switchover, Restart }

internal sealed record CnpgPostgresConfiguration(Dictionary<string, string>? Parameters, CnpgSynchronous? Synchronous, List<string>? PgHba);

internal sealed record CnpgSynchronous(
    [property: JsonRequired] SynchronousMethod Method,
    [property: JsonRequired] int Number,
    DataDurability? DataDurability);

internal enum SynchronousMethod { Any, First }

internal enum DataDurability { Required, Preferred }

internal sealed record CnpgBootstrap(CnpgInitDb? Initdb);

internal sealed record CnpgInitDb(string? Database, string? Owner, NameReference? Secret, bool? DataChecksums, string? Encoding);

internal sealed record CnpgManaged(List<CnpgRole>? Roles);

internal sealed record CnpgRole(
    [property: JsonRequired] string Name,
    RoleEnsure? Ensure,
    bool? Login,
    bool? Superuser,
    bool? Createdb,
    bool? Createrole,
    bool? Replication,
    bool? Inherit,
    bool? Bypassrls,
    bool? DisablePassword,
    int? ConnectionLimit,
    string? Comment,
    string? ValidUntil,
    List<string>? InRoles,
    NameReference? PasswordSecret);

internal enum RoleEnsure { Present, Absent }

internal sealed record CnpgStorage(string? Size, string? StorageClass, bool? ResizeInUseVolumes);

internal sealed record CnpgAffinity(
    bool? EnablePodAntiAffinity,
    string? TopologyKey,
    PodAntiAffinityType? PodAntiAffinityType,
    Dictionary<string, string>? NodeSelector,
    List<V1Toleration>? Tolerations);

internal enum PodAntiAffinityType { Preferred, Required }

internal sealed record CnpgPlugin(
    [property: JsonRequired] string Name,
    bool? Enabled,
    [property: JsonPropertyName("isWALArchiver")] bool? IsWalArchiver,
    Dictionary<string, string>? Parameters);

internal sealed record CnpgScheduledBackupSpec(
    [property: JsonRequired] string Schedule,
    [property: JsonRequired] NameReference Cluster,
    bool? Immediate,
    bool? Suspend,
    bool? Online,
    BackupOwnerReference? BackupOwnerReference,
    BackupTarget? Target,
    BackupMethod? Method,
    CnpgPluginReference? PluginConfiguration);

internal enum BackupOwnerReference { None, Self, Cluster }

internal enum BackupTarget
{
    Primary,
    [JsonStringEnumMemberName("prefer-standby")] PreferStandby,
}

internal enum BackupMethod { BarmanObjectStore, VolumeSnapshot, Plugin }

internal sealed record CnpgPluginReference([property: JsonRequired] string Name, Dictionary<string, string>? Parameters);

// Barman Cloud plugin: barmancloud.cnpg.io/v1

internal sealed record ObjectStoreSpec([property: JsonRequired] ObjectStoreConfiguration Configuration, string? RetentionPolicy);

internal sealed record ObjectStoreConfiguration(
    [property: JsonRequired] string DestinationPath,
    [property: JsonPropertyName("endpointURL")] string? EndpointUrl,
    S3Credentials? S3Credentials,
    BaseBackupConfiguration? Data,
    WalBackupConfiguration? Wal);

internal sealed record S3Credentials(
    SecretKey? AccessKeyId,
    SecretKey? SecretAccessKey,
    SecretKey? Region,
    SecretKey? SessionToken,
    [property: JsonPropertyName("inheritFromIAMRole")] bool? InheritFromIamRole);

internal sealed record BaseBackupConfiguration(BaseBackupCompression? Compression, BackupEncryption? Encryption, int? Jobs, bool? ImmediateCheckpoint);

internal sealed record WalBackupConfiguration(WalCompression? Compression, BackupEncryption? Encryption, int? MaxParallel);

internal enum BaseBackupCompression { Bzip2, Gzip, Lz4, Snappy }

internal enum WalCompression { Bzip2, Gzip, Lz4, Snappy, Xz, Zstd }

internal enum BackupEncryption
{
    [JsonStringEnumMemberName("AES256")] Aes256,
    [JsonStringEnumMemberName("aws:kms")] AwsKms,
}

// RabbitMQ Cluster Operator: rabbitmq.com/v1beta1 RabbitmqCluster

internal sealed record RabbitmqClusterSpec(
    int? Replicas,
    string? Image,
    V1ResourceRequirements? Resources,
    RabbitmqPersistence? Persistence,
    RabbitmqConfiguration? Rabbitmq,
    V1Affinity? Affinity,
    List<V1Toleration>? Tolerations,
    long? TerminationGracePeriodSeconds,
    int? DelayStartSeconds,
    bool? AutoEnableAllFeatureFlags);

internal sealed record RabbitmqPersistence(string? StorageClassName, ResourceQuantity? Storage);

internal sealed record RabbitmqConfiguration(string? AdditionalConfig, string? AdvancedConfig, string? EnvConfig, List<string>? AdditionalPlugins);

// Messaging Topology Operator: rabbitmq.com/v1beta1 Vhost, User, Permission, Policy

internal sealed record RabbitmqClusterReference(string? Name, string? Namespace, NameReference? ConnectionSecret);

internal sealed record VhostSpec(
    [property: JsonRequired] string Name,
    [property: JsonRequired] RabbitmqClusterReference RabbitmqClusterReference,
    QueueType? DefaultQueueType,
    List<string>? Tags,
    bool? Tracing);

internal enum QueueType { Quorum, Classic, Stream }

internal sealed record UserSpec(
    [property: JsonRequired] RabbitmqClusterReference RabbitmqClusterReference,
    List<UserTag>? Tags,
    UserCredentialsReference? ImportCredentialsSecret);

internal enum UserTag { Management, Policymaker, Monitoring, Administrator }

internal sealed record UserCredentialsReference(string? Name);

internal sealed record PermissionSpec(
    [property: JsonRequired] string Vhost,
    [property: JsonRequired] VhostPermissions Permissions,
    [property: JsonRequired] RabbitmqClusterReference RabbitmqClusterReference,
    string? User,
    UserCredentialsReference? UserReference);

internal sealed record VhostPermissions(string? Configure, string? Read, string? Write);

internal sealed record PolicySpec(
    [property: JsonRequired] string Name,
    [property: JsonRequired] string Pattern,
    [property: JsonRequired] JsonObject Definition,
    [property: JsonRequired] RabbitmqClusterReference RabbitmqClusterReference,
    string? Vhost,
    PolicyApplyTo? ApplyTo,
    int? Priority);

internal enum PolicyApplyTo
{
    Queues,
    [JsonStringEnumMemberName("classic_queues")] ClassicQueues,
    [JsonStringEnumMemberName("quorum_queues")] QuorumQueues,
    Streams,
    Exchanges,
    All,
}
