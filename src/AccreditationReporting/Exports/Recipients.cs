namespace AccreditationReporting.Exports;

/// <summary>The recipients of ../shared/DOMAIN.md ("Recipients and their minimal field sets").</summary>
public static class Recipients
{
    /// <summary>A: one row per learner, activity and completion; records are added or deleted, never edited.</summary>
    public const string ParsLearners = "accme-pars-learners";

    /// <summary>B: one row per activity and reporting year; counts only.</summary>
    public const string ParsActivities = "accme-pars-activities";

    /// <summary>C: one row per event; counts only.</summary>
    public const string EaccmeEvents = "eaccme-events";

    /// <summary>
    /// D: one row per learner who claimed AMA PRA Category 1 Credit for an activity jointly provided
    /// with that organisation. The format and the policies name the kind; each configured joint
    /// provider is a recipient of its own, <see cref="JointProviderPrefix"/> and its ID.
    /// </summary>
    public const string JointProvider = "joint-provider";

    public const string JointProviderPrefix = "joint-provider/";

    /// <summary>
    /// A joint provider's recipient, configured or not: the single <see cref="JointProvider"/> of
    /// earlier versions, or <see cref="JointProviderPrefix"/> and a well-formed ID. Batches outlive
    /// configuration, so this is what may name theirs.
    /// </summary>
    public static bool IsJointProvider(string recipient) =>
        recipient == JointProvider
        || (recipient.StartsWith(JointProviderPrefix, StringComparison.Ordinal)
            && Exports.JointProvider.JointProviders.IsId(recipient[JointProviderPrefix.Length..]));

    /// <summary>The kinds of recipient: what formats and policies are declared for.</summary>
    public static readonly IReadOnlyList<string> All = [ParsLearners, ParsActivities, EaccmeEvents, JointProvider];
}
