using AccreditationReporting.Access;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// The console's policies: the API's role sets (<see cref="AccessPolicies"/>), narrowed to the
/// people who use a browser, and authenticated by the console's cookie only. A bearer token does not
/// open a page, and the cookie does not open a gRPC method: those keep the bearer scheme alone.
/// </summary>
public static class ConsolePolicies
{
    /// <summary>Anyone who may sign in to the console at all.</summary>
    public const string SignedIn = "console";
    public const string ReadBatchSummaries = "console:" + AccessPolicies.ReadBatchSummaries;
    public const string DownloadBatches = "console:" + AccessPolicies.DownloadBatches;
    public const string RecordSubmissions = "console:" + AccessPolicies.RecordSubmissions;
    public const string CreateBatches = "console:" + AccessPolicies.CreateBatches;
    public const string HandleRejectedEvents = "console:" + AccessPolicies.HandleRejectedEvents;
    public const string ReadAuditTrail = "console:" + AccessPolicies.ReadAuditTrail;
    public const string ExerciseLearnerRights = "console:" + AccessPolicies.ExerciseLearnerRights;

    /// <summary>Staff roles that use the console; the export job is a program and has the API.</summary>
    public static readonly IReadOnlyList<string> Roles = [StaffRoles.Compliance, StaffRoles.Auditor, StaffRoles.PrivacyOfficer];

    public static void Add(AuthorizationBuilder authorization)
    {
        authorization.AddPolicy(SignedIn, p => Cookie(p).RequireRole(Roles));
        foreach (var (policy, api) in new[]
        {
            (ReadBatchSummaries, AccessPolicies.ReadBatchSummaries), (DownloadBatches, AccessPolicies.DownloadBatches),
            (RecordSubmissions, AccessPolicies.RecordSubmissions), (CreateBatches, AccessPolicies.CreateBatches),
            (HandleRejectedEvents, AccessPolicies.HandleRejectedEvents), (ReadAuditTrail, AccessPolicies.ReadAuditTrail),
            (ExerciseLearnerRights, AccessPolicies.ExerciseLearnerRights),
        })
        {
            var roles = AccessPolicies.Roles[api].Intersect(Roles).ToArray();
            authorization.AddPolicy(policy, p => Cookie(p).RequireRole(roles));
        }
    }

    private static AuthorizationPolicyBuilder Cookie(AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(ConsoleExtensions.CookieScheme).RequireAuthenticatedUser();
}
