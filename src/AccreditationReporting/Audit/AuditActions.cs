namespace AccreditationReporting.Audit;

/// <summary>The actions the trail records, by name: what an auditor filters on.</summary>
public static class AuditActions
{
    public const string LearnerRecordRead = "learner-record.read";
    public const string RejectedEventsList = "rejected-events.list";
    public const string RejectedEventsReplay = "rejected-events.replay";
    public const string BatchCreate = "batch.create";
    public const string BatchList = "batch.list";
    public const string BatchRead = "batch.read";
    public const string BatchDownload = "batch.download";
    public const string BatchPreviewReveal = "batch.preview-reveal";
    public const string SubmissionRecord = "submission.record";
    public const string DeliveryRetry = "delivery.retry";
    public const string DeliveryPush = "delivery.push";
    public const string LearnerErase = "learner.erase";
    public const string LearnerAccessCopy = "learner.access-copy";
    public const string LearnerRectify = "learner.rectify";
    public const string ParticipationVerify = "participation.verify";
    public const string RetentionPurge = "retention.purge";
    public const string AuditList = "audit.list";
    public const string AuditVerify = "audit.verify";
}

/// <summary>
/// The action a gRPC method is recorded under. Every method carries one beside its access policy;
/// the audit interceptor writes the entry if the method did not write a more specific one itself.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AuditedAttribute(string action) : Attribute
{
    public string Action { get; } = action;
}
