using AccreditationReporting.Privacy;

namespace AccreditationReporting.Exports;

/// <summary>
/// Per enabled policy version and learner-level recipient kind: who qualifies (claims, permissions,
/// the joint providers the policy names) and, per format column, the permissions of which one the
/// record needs for that column to be written.
/// </summary>
internal sealed class RecordGates(IReadOnlyDictionary<(string Policy, string Kind), RecordGates.Rule> rules)
{
    public sealed record Rule(RecipientPermission Permission, IReadOnlyList<string>[] ColumnConsents)
    {
        public bool Claims(string claim) => Permission.Claims.Contains(claim);

        public bool NeedsConsent => Permission.Consents.Count > 0;

        public bool Accepts(string consent) => Permission.Consents.Contains(consent);
    }

    /// <summary>Per policy version that lets data go to recipients of <paramref name="kind"/>: the permissions each column needs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>[]> ColumnConsents(string kind) =>
        rules.Where(r => r.Key.Kind == kind).ToDictionary(r => r.Key.Policy, r => r.Value.ColumnConsents, StringComparer.Ordinal);

    /// <summary>The policy versions that let data go to recipients of <paramref name="kind"/>, in a fixed order, with their rules.</summary>
    public IReadOnlyList<(string Version, Rule Rule)> For(string kind) =>
        rules.Where(r => r.Key.Kind == kind).OrderBy(r => r.Key.Policy, StringComparer.Ordinal).Select(r => (r.Key.Policy, r.Value)).ToList();

    public static RecordGates Build(IEnumerable<PrivacyPolicy> enabled, IEnumerable<RecipientFormat> formats)
    {
        var rules = new Dictionary<(string, string), Rule>();
        foreach (var policy in enabled)
        {
            foreach (var format in formats)
            {
                if (policy.For(format.Id) is not { } permission)
                {
                    continue;
                }

                rules[(policy.Version, format.Id)] = new Rule(
                    permission, format.Columns.Select(c => permission.Fields.GetValueOrDefault(c.Field) ?? []).ToArray());
            }
        }

        return new RecordGates(rules);
    }
}
