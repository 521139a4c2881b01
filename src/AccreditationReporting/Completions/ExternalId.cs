namespace AccreditationReporting.Completions;

/// <summary>IDs that publishers choose (learner and activity IDs): opaque, bounded, printable.</summary>
public static class ExternalId
{
    public const int MaxLength = 128;

    public static string? Problem(string? value) => value switch
    {
        null or "" => "is required",
        { Length: > MaxLength } => $"must be at most {MaxLength} characters",
        _ when ControlCharacters.In(value) => "must not contain control characters",
        _ when value.Trim().Length != value.Length => "must not begin or end with white space",
        _ => null,
    };
}
