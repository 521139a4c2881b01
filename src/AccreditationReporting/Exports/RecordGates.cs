using AccreditationReporting.Privacy;

namespace AccreditationReporting.Exports;

/// <summary>
/// Per enabled policy version and learner-level recipient: who qualifies (claims, permissions) and,
/// per format column, the permissions of which one the record needs for that column to be written.
/// </summary>
internal sealed class RecordGates(IReadOnlyDictionary<(string Policy, string Recipient), RecordGates.Rule> rules)
{
    public sealed record Rule(IReadOnlyList<string> CreditTypes, IReadOnlyList<string> Consents, IReadOnlyList<string>[] ColumnConsents);

    /// <summary>Per policy version that lets data go to <paramref name="recipient"/>: the permissions each column needs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>[]> ColumnConsents(string recipient) =>
        rules.Where(r => r.Key.Recipient == recipient).ToDictionary(r => r.Key.Policy, r => r.Value.ColumnConsents, StringComparer.Ordinal);

    /// <summary>The rules for one recipient, as SQL parameters: policy versions, and comma-joined credit types and permissions.</summary>
    public (string[] Versions, string[] CreditTypes, string[] Consents) Parameters(string recipient)
    {
        var mine = rules.Where(r => r.Key.Recipient == recipient).OrderBy(r => r.Key.Policy, StringComparer.Ordinal).ToList();
        return (
            mine.Select(r => r.Key.Policy).ToArray(),
            mine.Select(r => string.Join(',', r.Value.CreditTypes)).ToArray(),
            mine.Select(r => string.Join(',', r.Value.Consents)).ToArray());
    }

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
                    permission.Claims.Select(c => ClaimNames.Known[c].ToString()).ToList(),
                    permission.Consents,
                    format.Columns.Select(c => permission.Fields.GetValueOrDefault(c.Field) ?? []).ToArray());
            }
        }

        return new RecordGates(rules);
    }
}
