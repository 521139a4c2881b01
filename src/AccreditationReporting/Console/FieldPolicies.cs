using AccreditationReporting.Exports;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// What each enabled policy lets the batch's recipient have, field by field: the batch page sets it
/// beside the file's columns, so staff can see that nothing in the file is more than the policies allow.
/// </summary>
internal sealed record FieldPolicies(bool LearnerLevel, IReadOnlyList<FieldPolicies.Policy> Policies)
{
    /// <param name="JointProviders">The joint providers it is limited to (none: any of the activity's).</param>
    public sealed record Policy(
        string Version, IReadOnlyList<string> Claims, IReadOnlyList<string> Consents, IReadOnlyList<string> JointProviders,
        IReadOnlyDictionary<string, IReadOnlyList<string>> Fields)
    {
        /// <summary>In plain words: whether the field may be written under this policy, and on what condition.</summary>
        public string Allows(string field) => Fields.TryGetValue(field, out var needs)
            ? needs.Count == 0 ? "allowed" : $"allowed with {string.Join(" or ", needs)}"
            : "not allowed";
    }

    public static FieldPolicies For(ExportCatalog catalog, string recipient)
    {
        var export = catalog.Find(recipient);

        // A batch outlives its recipient's configuration: an old joint provider's still has its kind.
        var kind = export?.Format.Id ?? (Recipients.IsJointProvider(recipient) ? Recipients.JointProvider : recipient);
        var learnerLevel = export?.IsLearnerLevel ?? kind is Recipients.JointProvider or Recipients.ParsLearners;
        var policies = catalog.Policies
            .Select(p => (p.Version, Permission: p.For(kind)))
            .Where(p => p.Permission is not null)
            .Select(p => new Policy(p.Version, p.Permission!.Claims, p.Permission.Consents, p.Permission.JointProviders, p.Permission.Fields))
            .OrderBy(p => p.Version, StringComparer.Ordinal)
            .ToList();
        return new FieldPolicies(learnerLevel, policies);
    }
}
