namespace AccreditationReporting.Access;

/// <summary>
/// The roles a token can carry (the <c>role</c> claim, as <c>dotnet user-jwts create --role</c> issues
/// it). Publishers have none: they only publish to the broker.
/// </summary>
public static class StaffRoles
{
    /// <summary>A scheduled job outside the service that asks for batches and reads their summaries.</summary>
    public const string ExportJob = "export-job";

    /// <summary>Compliance staff: batches, submissions, deliveries, rejected events, learner records.</summary>
    public const string Compliance = "compliance";

    /// <summary>The privacy office: the learner's rights.</summary>
    public const string PrivacyOfficer = "privacy-officer";

    /// <summary>Reads and verifies the audit trail; sees batches, not their files.</summary>
    public const string Auditor = "auditor";

    public static readonly IReadOnlyList<string> All = [ExportJob, Compliance, PrivacyOfficer, Auditor];
}
