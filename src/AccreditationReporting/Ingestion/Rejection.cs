namespace AccreditationReporting.Ingestion;

/// <summary>
/// Why an event cannot be stored: a stable rule code, the JSON path of the field, and a reason.
/// Never carries the offending value, which may be personal data.
/// </summary>
public sealed record Rejection(string Code, string Field, string Reason)
{
    public override string ToString() => $"{Code} at {Field}: {Reason}";
}
