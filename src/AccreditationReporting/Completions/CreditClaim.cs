namespace AccreditationReporting.Completions;

/// <summary>Credit a learner claimed for a completion (what is awarded is decided from it).</summary>
public sealed class CreditClaim
{
    public long Id { get; init; }
    public long CompletionId { get; init; }
    public CreditType CreditType { get; init; }
    public decimal Amount { get; init; }
    public string? Board { get; init; }
    public string? MocCreditType { get; init; }
}

public enum CreditType
{
    AmaPraCategory1,
    Ecmec,
    Moc,
    Participation,
}
