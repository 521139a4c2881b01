namespace AccreditationReporting.Ingestion;

/// <summary>
/// Why an event is rejected. Stable codes: the rejected-events view, replays and publishers'
/// dashboards match on them, so a code is never renamed or reused.
/// </summary>
public static class RuleCodes
{
    public const string Required = "required";
    public const string MalformedId = "malformed-id";
    public const string MalformedValue = "malformed-value";
    public const string TooLong = "too-long";
    public const string UnknownValue = "unknown-value";
    public const string UnsupportedSchemaVersion = "unsupported-schema-version";
    public const string PolicyNotEnabled = "policy-not-enabled";
    public const string FutureDate = "future-date";
    public const string OutsideActivityDates = "outside-activity-dates";
    public const string DateOrder = "date-order";
    public const string OutOfRange = "out-of-range";
    public const string NotACalendarDay = "not-a-calendar-day";
    public const string NotDesignated = "not-designated";
    public const string ExceedsDesignation = "exceeds-designation";
    public const string CreditStep = "credit-step";
    public const string EcmecLiveLimit = "ecmec-live-limit";
    public const string DuplicateClaim = "duplicate-claim";
    public const string MocNeedsBoard = "moc-needs-board";
    public const string MocNeedsBoardId = "moc-needs-board-id";
    public const string MocNeedsConsent = "moc-needs-consent";
    public const string UnderAge = "under-age";

    /// <summary>A list (claims, boards, MOC designations) longer than the schema's maxItems.</summary>
    public const string TooMany = "too-many";

    /// <summary>The message body is larger than <c>Ingestion:MaxEventBytes</c>; its payload is not kept.</summary>
    public const string TooLarge = "too-large";

    /// <summary>The body is not JSON at all.</summary>
    public const string MalformedJson = "malformed-json";

    /// <summary>JSON, but a value has the wrong type (a string where a number belongs, ...).</summary>
    public const string WrongType = "wrong-type";

    /// <summary>JSON, but not an object that could be a CourseCompleted event.</summary>
    public const string NotAnEvent = "not-an-event";

    /// <summary>Valid, but the database refused it (a fault on our side); replay it once fixed.</summary>
    public const string StorageFailed = "storage-failed";
}
