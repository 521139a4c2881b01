using System.Text.RegularExpressions;

namespace AccreditationReporting.Exports.JointProvider;

/// <summary>
/// One organisation that jointly provides activities with us and certifies their AMA PRA Category 1
/// Credit. Each is a recipient of its own (<see cref="Recipient"/>): it receives the learners of the
/// activities that name it (its ID or its name) in <c>activity.jointProvider</c>, and no one else's.
/// </summary>
public sealed record JointProviderOrganisation(string Id, string Name)
{
    public string Recipient => Recipients.JointProviderPrefix + Id;

    /// <summary>How an activity may name it in <c>jointProvider</c>: its ID or its name, in any case (the database folds both sides).</summary>
    public string[] NamedAs => [Id, Name];
}

/// <summary>
/// The joint providers of this deployment (<c>JointProviders:&lt;id&gt;</c>, with <c>Name</c>, and
/// optionally <c>Schedule</c> and <c>Delivery</c> as for other recipients), read at start-up. A
/// missing name or a malformed ID stops the start with the setting named.
/// </summary>
public static partial class JointProviders
{
    public const string Section = "JointProviders";

    public static List<JointProviderOrganisation> Read(IConfiguration configuration)
    {
        var providers = new List<JointProviderOrganisation>();
        var problems = new List<string>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var name = entry["Name"];
            if (!IdPattern().IsMatch(entry.Key))
            {
                problems.Add($"{Section}:{entry.Key}: a joint provider's ID is 1 to 40 lower-case letters, digits and hyphens, as activities name it in activity.jointProvider");
            }
            else if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
            {
                problems.Add($"{Section}:{entry.Key}:Name is required (at most 200 characters): policies name joint providers by it");
            }
            else
            {
                providers.Add(new JointProviderOrganisation(entry.Key, name.Trim()));
            }
        }

        // An activity naming two of them would send its learners to both.
        problems.AddRange(providers
            .SelectMany(p => p.NamedAs.Select(n => (Named: n.ToLowerInvariant(), p.Id)).Distinct())
            .GroupBy(n => n.Named)
            .Where(g => g.Count() > 1)
            .Select(g => $"{Section}: '{g.Key}' names more than one joint provider ({string.Join(", ", g.Select(n => n.Id))}); IDs and names must tell them apart"));
        return problems.Count == 0 ? providers : throw new ExportCatalogException(problems);
    }

    /// <summary>Whether <paramref name="id"/> has the form of a joint provider's ID.</summary>
    public static bool IsId(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex IdPattern();
}
