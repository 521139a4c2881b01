using System.Text.Json;
using AccreditationReporting.Exports.Eaccme;
using AccreditationReporting.Exports.JointProvider;
using AccreditationReporting.Exports.Pars;
using AccreditationReporting.Privacy;

namespace AccreditationReporting.Exports;

/// <summary>
/// The recipients this service exports to, built from the two declarations (policies and formats)
/// and checked when the service starts: a format that asks for a field its policy does not allow is
/// a start-up error naming both, never a file with that field in it.
/// </summary>
internal sealed class ExportCatalog
{
    private ExportCatalog(IReadOnlyDictionary<string, RecipientExport> exports, IReadOnlyList<PrivacyPolicy> policies)
    {
        Exports = exports;
        Policies = policies;
    }

    public IReadOnlyDictionary<string, RecipientExport> Exports { get; }

    public IReadOnlyList<PrivacyPolicy> Policies { get; }

    public RecipientExport? Find(string recipient) => Exports.GetValueOrDefault(recipient);

    /// <summary>The recipients' IDs, for messages naming what a caller may ask for.</summary>
    public string Listed => string.Join(", ", Exports.Keys.Order(StringComparer.Ordinal));

    private sealed record FormatDocument(List<RecipientFormat>? Recipients);

    /// <param name="jointProviders">The configured joint providers: each is a recipient of the joint-provider format.</param>
    /// <param name="configuration">Where <c>Policies:JointProviderNames</c> may replace the joint providers a policy names.</param>
    /// <exception cref="ExportCatalogException">Every problem with the declarations, in one message.</exception>
    public static ExportCatalog Load(
        string? policiesFile, string? formatsFile, IReadOnlySet<string> enabledPolicies,
        IReadOnlyList<JointProviderOrganisation>? jointProviders = null, IConfiguration? configuration = null)
    {
        var problems = new List<string>();
        var (policyStream, policyOrigin) = DataFiles.Open(policiesFile, "policies.json");
        List<PrivacyPolicy> policies;
        using (policyStream)
        {
            (policies, var policyProblems) = PrivacyPolicies.Read(policyStream, policyOrigin);
            problems.AddRange(policyProblems);
            if (configuration is not null)
            {
                policies = PrivacyPolicies.WithJointProviderNames(policies, configuration);
            }
        }

        var (formatStream, formatOrigin) = DataFiles.Open(formatsFile, "recipient-formats.json");
        List<RecipientFormat> formats;
        using (formatStream)
        {
            try
            {
                formats = JsonSerializer.Deserialize<FormatDocument>(formatStream, DataFiles.JsonOptions)?.Recipients ?? [];
            }
            catch (JsonException e)
            {
                throw new ExportCatalogException([.. problems, $"{formatOrigin} is not valid JSON ({e.Message})"]);
            }
        }

        var enabled = policies.Where(p => enabledPolicies.Contains(p.Version)).ToList();
        problems.AddRange(enabledPolicies.Where(v => policies.All(p => p.Version != v))
            .Select(v => $"Policies:Enabled names policy version '{v}', which {policyOrigin} does not declare"));
        problems.AddRange(policies.SelectMany(p => p.Recipients.Keys.Where(r => !Recipients.All.Contains(r))
            .Select(r => $"{policyOrigin}: policy '{p.Version}' names recipient '{r}', which is not one of {string.Join(", ", Recipients.All)}")));
        problems.AddRange(formats.Where(f => !Recipients.All.Contains(f.Id))
            .Select(f => $"{formatOrigin} declares recipient '{f.Id}', which is not one of {string.Join(", ", Recipients.All)}"));
        problems.AddRange(Recipients.All.Where(r => formats.Count(f => f.Id == r) != 1)
            .Select(r => $"{formatOrigin} must declare recipient '{r}' exactly once"));
        var known = formats.Where(f => Recipients.All.Contains(f.Id)).DistinctBy(f => f.Id).ToList();
        var gates = RecordGates.Build(enabled, known);
        var providers = jointProviders ?? [];
        var exports = known.SelectMany(f => Create(f, gates, providers)).ToDictionary(e => e.Recipient, StringComparer.Ordinal);
        foreach (var format in known)
        {
            // Every format is checked, the joint providers' too when none is configured yet.
            var export = exports.Values.FirstOrDefault(e => e.Format == format) ?? Create(format, gates, [Unconfigured]).Single();
            problems.AddRange(CheckFormat(export, formatOrigin, enabled));
        }

        return problems.Count == 0 ? new ExportCatalog(exports, enabled) : throw new ExportCatalogException(problems);
    }

    private static IEnumerable<string> CheckFormat(RecipientExport export, string origin, List<PrivacyPolicy> enabled)
    {
        var format = export.Format;
        var where = $"recipient format '{format.Id}'";
        if (format.Delimiter is not ("tab" or "comma"))
        {
            yield return $"{where} has delimiter '{format.Delimiter}'; use 'tab' or 'comma'";
        }

        if (format.Columns.Count == 0)
        {
            yield return $"{where} has no columns";
        }

        foreach (var field in format.Fields.Where(f => !export.OfferedFields.Contains(f)))
        {
            yield return $"{where} ({origin}) names field '{field}', which the recipient's row type does not have";
        }

        foreach (var duplicate in format.Fields.GroupBy(f => f).Where(g => g.Count() > 1))
        {
            yield return $"{where} names field '{duplicate.Key}' more than once";
        }

        if (format.CountsOnly == export.IsLearnerLevel)
        {
            yield return $"{where} says countsOnly={format.CountsOnly.ToString().ToLowerInvariant()}, but its row type is {(export.IsLearnerLevel ? "learner-level" : "counts only")}";
        }

        if (!export.IsLearnerLevel)
        {
            // No learner appears in a counts-only file, so every learner counts whatever the version (DOMAIN.md).
            yield break;
        }

        foreach (var policy in enabled)
        {
            if (policy.For(format.Id) is not { } permission)
            {
                continue;
            }

            foreach (var field in format.Fields.Where(f => !permission.Fields.ContainsKey(f)))
            {
                yield return $"{where} has field '{field}' that policy '{policy.Version}' does not allow for {format.Id}";
            }

            // Each recipient's selection is a query of its own that knows its claims; a claim it does
            // not know would silently qualify nobody.
            foreach (var claim in permission.Claims.Where(c => !export.UnderstoodClaims.Contains(c)))
            {
                yield return $"policy '{policy.Version}' lets {format.Id} have learners who claim '{claim}', which that recipient's selection does not handle ({string.Join(", ", export.UnderstoodClaims)})";
            }
        }
    }

    private static readonly JointProviderOrganisation Unconfigured = new("unconfigured", "unconfigured");

    private static IEnumerable<RecipientExport> Create(RecipientFormat format, RecordGates gates, IReadOnlyList<JointProviderOrganisation> providers) =>
        format.Id switch
        {
            Recipients.ParsLearners => [new ParsLearnerExport(format, gates)],
            Recipients.ParsActivities => [new ParsActivityExport(format, gates)],
            Recipients.EaccmeEvents => [new EaccmeEventExport(format, gates)],
            Recipients.JointProvider => providers.Select(p => new JointProviderExport(format, gates, p, providers.SelectMany(o => o.NamedAs).ToList())),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format.Id, "unknown recipient"),
        };
}

public sealed class ExportCatalogException(IReadOnlyList<string> problems)
    : Exception("The export declarations are inconsistent:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
