namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// The recipients with push delivery, read and checked at start-up: an unknown recipient, a URL
/// that is not https (http only to loopback, for local receivers and tests), credentials in the URL,
/// or settings Polly would refuse stop the start with the setting named.
/// </summary>
internal sealed class DeliveryEndpoints
{
    public const string Section = "Exports:Delivery";

    private readonly Dictionary<string, (Uri Endpoint, DeliverySettings Settings)> _endpoints;

    private DeliveryEndpoints(Dictionary<string, (Uri, DeliverySettings)> endpoints) => _endpoints = endpoints;

    public IEnumerable<string> Recipients => _endpoints.Keys;

    public bool IsConfigured(string recipient) => _endpoints.ContainsKey(recipient);

    public (Uri Endpoint, DeliverySettings Settings) Get(string recipient) => _endpoints[recipient];

    public static DeliveryEndpoints Read(IConfiguration configuration, ExportCatalog catalog)
    {
        var endpoints = new Dictionary<string, (Uri, DeliverySettings)>(StringComparer.Ordinal);
        var problems = new List<string>();
        // A joint provider's endpoint sits with the rest of its settings (JointProviders:<id>:Delivery).
        var sections = configuration.GetSection(Section).GetChildren().Select(s => (Recipient: s.Key, Section: s))
            .Concat(configuration.GetSection(JointProvider.JointProviders.Section).GetChildren()
                .Select(p => (Recipient: Exports.Recipients.JointProviderPrefix + p.Key, Section: p.GetSection("Delivery"))));
        foreach (var (recipient, section) in sections)
        {
            var name = section.Path;
            DeliverySettings settings;
            try
            {
                settings = section.Get<DeliverySettings>() ?? new DeliverySettings();
            }
            catch (InvalidOperationException)
            {
                problems.Add($"{name} has a setting that is not of its type (times as hh:mm:ss, counts as whole numbers)");
                continue;
            }

            if (string.IsNullOrWhiteSpace(settings.Endpoint))
            {
                continue;
            }

            if (catalog.Find(recipient) is null)
            {
                problems.Add($"{name} names recipient '{recipient}', which is not one of {catalog.Listed}");
                continue;
            }

            var before = problems.Count;
            var endpoint = Check(name, settings, problems);
            if (problems.Count == before)
            {
                endpoints[recipient] = (endpoint!, settings);
            }
        }

        return problems.Count == 0 ? new DeliveryEndpoints(endpoints) : throw new ExportCatalogException(problems);
    }

    private static Uri? Check(string name, DeliverySettings settings, List<string> problems)
    {
        // The file holds personal data: it may only travel encrypted, except to this machine.
        var endpoint = Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var uri) ? uri : null;
        if (endpoint is null || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            problems.Add($"{name}:Endpoint must be an absolute https URL (http only to a loopback address)");
        }
        else if (endpoint.UserInfo.Length > 0)
        {
            problems.Add($"{name}:Endpoint must not carry credentials; use {name}:BearerToken");
        }

        void Require(bool valid, string setting, string rule)
        {
            if (!valid)
            {
                problems.Add($"{name}:{setting} {rule}");
            }
        }

        Require(settings.AttemptTimeout >= TimeSpan.FromMilliseconds(10) && settings.AttemptTimeout <= TimeSpan.FromDays(1), "AttemptTimeout", "must be between 10 ms and a day");
        Require(settings.Retries is >= 1 and <= 100, "Retries", "must be between 1 and 100");
        Require(settings.FirstRetryDelay > TimeSpan.Zero && settings.FirstRetryDelay <= TimeSpan.FromDays(1), "FirstRetryDelay", "must be positive, at most a day");
        Require(settings.MaxRetryDelay >= settings.FirstRetryDelay, "MaxRetryDelay", "must be at least FirstRetryDelay");
        Require(settings.BreakFailureRatio is > 0 and <= 1, "BreakFailureRatio", "must be above 0 and at most 1");
        Require(settings.BreakMinimumThroughput >= 2, "BreakMinimumThroughput", "must be at least 2");
        Require(settings.BreakSamplingDuration >= TimeSpan.FromMilliseconds(500), "BreakSamplingDuration", "must be at least 500 ms");
        Require(settings.BreakDuration >= TimeSpan.FromMilliseconds(500), "BreakDuration", "must be at least 500 ms");
        Require(settings.RetryLater > TimeSpan.Zero, "RetryLater", "must be positive");
        Require(settings.PollInterval > TimeSpan.Zero, "PollInterval", "must be positive");
        return endpoint;
    }
}
