namespace AccreditationReporting.Ingestion;

/// <summary>Collects every rule an event breaks, so a publisher learns all of them at once.</summary>
internal sealed class Problems
{
    private readonly List<Rejection> _found = [];

    public IReadOnlyList<Rejection> Found => _found;

    public bool Any => _found.Count > 0;

    public void Add(string code, string field, string reason) => _found.Add(new Rejection(code, field, reason));

    /// <summary>
    /// The contract's <c>maxItems</c>: a list longer than any real event's costs work to check and
    /// space to keep. Its entries are then not checked one by one.
    /// </summary>
    public int Items<T>(IReadOnlyList<T>? items, int maxItems, string field)
    {
        if (items is { Count: var count } && count > maxItems)
        {
            Add(RuleCodes.TooMany, field, $"has more than {maxItems} entries");
            return 0;
        }

        return items?.Count ?? 0;
    }

    public T Required<T>(T? value, string field) where T : struct
    {
        if (value is null)
        {
            Add(RuleCodes.Required, field, "is required");
        }

        return value.GetValueOrDefault();
    }

    public string RequiredText(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(RuleCodes.Required, field, "is required");
            return string.Empty;
        }

        return OptionalText(value, field, maxLength)!;
    }

    public string? OptionalText(string? value, string field, int maxLength)
    {
        if (value is { Length: var length } && length > maxLength)
        {
            Add(RuleCodes.TooLong, field, $"must be at most {maxLength} characters");
        }
        else if (value is not null && Completions.ControlCharacters.In(value))
        {
            Add(RuleCodes.MalformedValue, field, "must not contain control characters");
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public void Range(decimal? value, decimal min, decimal max, string field)
    {
        if (value is { } v && (v < min || v > max))
        {
            Add(RuleCodes.OutOfRange, field, $"must be between {min} and {max}");
        }
    }

    public void Pattern(string? value, Func<char, bool> allowed, int length, string field, string expected)
    {
        if (value is not null && (value.Length != length || !All(value, allowed)))
        {
            Add(RuleCodes.MalformedValue, field, $"must be {expected}");
        }
    }

    /// <summary>Enumerable.All over a string boxes an enumerator per call; this runs for every event.</summary>
    private static bool All(string value, Func<char, bool> allowed)
    {
        foreach (var c in value)
        {
            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }
}
