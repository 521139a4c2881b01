namespace AccreditationReporting.Privacy;

/// <summary>
/// The privacy-policy versions the service ships (../shared/DOMAIN.md, "The shipped policy
/// versions"), one per seed policy, named by organisation and the date the policy gives.
/// </summary>
public static class PolicyVersions
{
    public const string Medmastery = "medmastery-2017-06-20";
    public const string MayoCme = "mayo-cme-2018-06-15";
    public const string Ismrm = "ismrm-2016-11-21";
    public const string MayoMedicalLaboratories = "mayo-medical-laboratories-2014-12-17";

    public static readonly IReadOnlyList<string> Shipped = [Medmastery, MayoCme, Ismrm, MayoMedicalLaboratories];
}

/// <summary>
/// The policy versions this deployment accepts events under (<c>Policies:Enabled</c>; all shipped
/// versions when unset). An event under any other version is rejected and can be replayed once
/// its version is enabled.
/// </summary>
public sealed class EnabledPolicies
{
    public const string Section = "Policies";

    public List<string> Enabled { get; set; } = [];

    public IReadOnlySet<string> Versions => Enabled.Count == 0 ? ShippedSet : Enabled.ToHashSet(StringComparer.Ordinal);

    private static readonly IReadOnlySet<string> ShippedSet = PolicyVersions.Shipped.ToHashSet(StringComparer.Ordinal);

    /// <summary>Enabling a version the service does not ship is a start-up error: its rules would be unknown.</summary>
    public IEnumerable<string> Problems() =>
        Enabled.Where(v => !ShippedSet.Contains(v))
            .Select(v => $"Policies:Enabled names '{v}', which is not a shipped policy version ({string.Join(", ", PolicyVersions.Shipped)})");
}
