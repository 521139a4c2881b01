namespace AccreditationReporting.Credits;

/// <summary>
/// What a learner claimed for one completion and what the accreditor's rules award for it. A claim
/// that earns nothing is kept with the reason, so staff and learners can see why.
/// </summary>
public sealed class CreditAward
{
    public long Id { get; init; }
    public long CompletionId { get; init; }
    public CreditType CreditType { get; init; }

    /// <summary>MOC only: the certifying board and its credit type (e.g. ABIM, Medical Knowledge).</summary>
    public string? Board { get; init; }
    public string? MocCreditType { get; init; }
    public decimal Claimed { get; init; }
    public decimal Awarded { get; init; }

    /// <summary>One of <see cref="NotAwardedReasons"/> when nothing was awarded, else null.</summary>
    public string? NotAwardedReason { get; init; }
}
