using System.Text.Json;
using AccreditationReporting.Credits;
using AccreditationReporting.Exports;

namespace AccreditationReporting.Privacy;

/// <summary>
/// One policy version as data (Privacy/policies.json): which recipients may receive learner-level
/// data collected under it, for which learners, and which fields.
/// </summary>
public sealed record PrivacyPolicy(string Version, string Source, IReadOnlyDictionary<string, RecipientPermission> Recipients)
{
    public RecipientPermission? For(string recipient) => Recipients.GetValueOrDefault(recipient);
}

/// <summary>
/// What a policy lets one recipient have: the learner must hold one of <see cref="Claims"/> and, when
/// any are listed, one of <see cref="Consents"/>; each field may need one of its own permissions.
/// </summary>
/// <param name="JointProviders">For the joint-provider kind: the joint providers (by name) the policy
/// lets data go to; empty when it names none, so any configured joint provider of the activity may
/// have it.</param>
public sealed record RecipientPermission(
    IReadOnlyList<string> Claims, IReadOnlyList<string> Consents, IReadOnlyDictionary<string, IReadOnlyList<string>> Fields,
    IReadOnlyList<string> JointProviders)
{
    public bool AllowsJointProvider(string name) =>
        JointProviders.Count == 0 || JointProviders.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The permissions an event can carry (CourseCompleted.consents), by their names in the policy data.</summary>
public static class Consents
{
    public const string BoardReporting = "board-reporting";
    public const string StateBoardReporting = "state-board-reporting";

    public static readonly IReadOnlySet<string> Known = new HashSet<string> { BoardReporting, StateBoardReporting };

    public static bool Holds(string consent, bool boardReporting, bool stateBoardReporting) => consent switch
    {
        BoardReporting => boardReporting,
        StateBoardReporting => stateBoardReporting,
        _ => false,
    };
}

/// <summary>Claims as the policy data names them, and the credit types they stand for.</summary>
public static class ClaimNames
{
    public static readonly IReadOnlyDictionary<string, CreditType> Known = new Dictionary<string, CreditType>
    {
        ["ama-pra-category-1"] = CreditType.AmaPraCategory1,
        ["ecmec"] = CreditType.Ecmec,
        ["moc"] = CreditType.Moc,
    };
}

public static class PrivacyPolicies
{
    private sealed record Document(List<PolicyEntry>? Policies);

    private sealed record PolicyEntry(
        string? Version, string? Source, Dictionary<string, PermissionEntry>? Recipients);

    private sealed record PermissionEntry(
        List<string>? Claims, List<string>? Consents, Dictionary<string, List<string>>? Fields, List<string>? JointProviders);

    /// <summary>
    /// <c>Policies:JointProviderNames:&lt;version&gt;</c> replaces the joint providers a policy names
    /// (one name, or a list): seed 001 names "CME Consultants", and a deployment whose joint provider
    /// is called otherwise in its configuration says so here.
    /// </summary>
    public static List<PrivacyPolicy> WithJointProviderNames(List<PrivacyPolicy> policies, IConfiguration configuration)
    {
        var section = configuration.GetSection("Policies:JointProviderNames");
        return policies.Select(policy =>
        {
            var setting = section.GetSection(policy.Version);
            var names = setting.Value is { Length: > 0 } one ? [one] : setting.GetChildren().Select(c => c.Value).OfType<string>().ToList();
            if (names.Count == 0 || policy.For(Exports.Recipients.JointProvider) is not { } permission)
            {
                return policy;
            }

            var recipients = new Dictionary<string, RecipientPermission>(policy.Recipients, StringComparer.Ordinal)
            {
                [Exports.Recipients.JointProvider] = permission with { JointProviders = names },
            };
            return policy with { Recipients = recipients };
        }).ToList();
    }

    /// <summary>Reads the policy document; every problem found is returned, not only the first.</summary>
    public static (List<PrivacyPolicy> Policies, List<string> Problems) Read(Stream json, string origin)
    {
        var problems = new List<string>();
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, DataFiles.JsonOptions);
        }
        catch (JsonException e)
        {
            return ([], [$"{origin} is not valid JSON ({e.Message})"]);
        }

        var policies = new List<PrivacyPolicy>();
        foreach (var (entry, i) in (document?.Policies ?? []).Select((p, i) => (p, i)))
        {
            if (string.IsNullOrWhiteSpace(entry.Version))
            {
                problems.Add($"{origin}: policies[{i}] has no version");
                continue;
            }

            var recipients = new Dictionary<string, RecipientPermission>(StringComparer.Ordinal);
            foreach (var (recipient, permission) in entry.Recipients ?? [])
            {
                var where = $"{origin}: policy '{entry.Version}', recipient '{recipient}'";
                problems.AddRange((permission.Claims ?? []).Where(c => !ClaimNames.Known.ContainsKey(c))
                    .Select(c => $"{where} names claim '{c}', which is not one of {string.Join(", ", ClaimNames.Known.Keys)}"));
                if ((permission.Claims ?? []).Count == 0)
                {
                    problems.Add($"{where} names no qualifying claim: every learner-level recipient needs one");
                }

                var consents = (permission.Consents ?? []).Concat((permission.Fields ?? []).SelectMany(f => f.Value));
                problems.AddRange(consents.Where(c => !Consents.Known.Contains(c)).Distinct()
                    .Select(c => $"{where} names permission '{c}', which is not one of {string.Join(", ", Consents.Known)}"));
                if (permission.JointProviders is { Count: > 0 } && recipient != Exports.Recipients.JointProvider)
                {
                    problems.Add($"{where} names joint providers, which only the {Exports.Recipients.JointProvider} recipient can");
                }

                recipients[recipient] = new RecipientPermission(
                    permission.Claims ?? [],
                    permission.Consents ?? [],
                    (permission.Fields ?? []).ToDictionary(f => f.Key, f => (IReadOnlyList<string>)f.Value, StringComparer.Ordinal),
                    permission.JointProviders ?? []);
            }

            policies.Add(new PrivacyPolicy(entry.Version, entry.Source ?? string.Empty, recipients));
        }

        return (policies, problems);
    }
}
