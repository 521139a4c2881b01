namespace AccreditationReporting.Exports;

/// <summary>
/// What a batch did with one completion for one recipient: added it, deleted what was sent of it,
/// counted it, or left it out with a reason. The key (recipient, completion, action) is what makes a
/// completion go to a recipient once.
/// </summary>
public sealed class ExportLine
{
    public required string Recipient { get; init; }
    public long CompletionId { get; init; }
    public required string Action { get; init; }
    public long BatchId { get; init; }
    public string? Reason { get; init; }

    /// <summary>The file rows this line wrote (1-based, after the header); null when it wrote none.</summary>
    public int? FirstLine { get; init; }
    public int? LineCount { get; init; }

    public const string Add = "Add";
    public const string Delete = "Delete";
    public const string Counted = "Counted";
    public const string Excluded = "Excluded";
}

/// <summary>A slice of a batch file: files live in the database so every instance can serve them.</summary>
public sealed class ExportFileChunk
{
    public long BatchId { get; init; }
    public int ChunkNo { get; init; }
    public required byte[] Data { get; init; }
}
