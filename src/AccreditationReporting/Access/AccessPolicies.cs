namespace AccreditationReporting.Access;

/// <summary>
/// One policy per thing a caller may do, each naming the roles that may do it (the README's role
/// table). Every gRPC method names one of these; a method that names none falls to
/// <see cref="AccessExtensions"/>' fallback policy, which refuses everyone.
/// </summary>
public static class AccessPolicies
{
    public const string CreateBatches = "create-batches";
    public const string ReadBatchSummaries = "read-batch-summaries";
    public const string DownloadBatches = "download-batches";
    public const string RecordSubmissions = "record-submissions";
    public const string RetryDeliveries = "retry-deliveries";
    public const string HandleRejectedEvents = "handle-rejected-events";
    public const string ReadLearnerRecords = "read-learner-records";
    public const string ExerciseLearnerRights = "exercise-learner-rights";
    public const string ReadAuditTrail = "read-audit-trail";
    public const string VerifyParticipation = "verify-participation";

    public static readonly IReadOnlyDictionary<string, string[]> Roles = new Dictionary<string, string[]>
    {
        [CreateBatches] = [StaffRoles.ExportJob, StaffRoles.Compliance],
        [ReadBatchSummaries] = [StaffRoles.ExportJob, StaffRoles.Compliance, StaffRoles.Auditor],
        [DownloadBatches] = [StaffRoles.Compliance],
        [RecordSubmissions] = [StaffRoles.Compliance],
        [RetryDeliveries] = [StaffRoles.Compliance],
        [HandleRejectedEvents] = [StaffRoles.Compliance],
        [ReadLearnerRecords] = [StaffRoles.Compliance],
        [ExerciseLearnerRights] = [StaffRoles.PrivacyOfficer],
        [ReadAuditTrail] = [StaffRoles.Auditor],
        [VerifyParticipation] = [StaffRoles.Auditor],
    };
}
