using AccreditationReporting.Access;

namespace AccreditationReporting.Hosting;

/// <summary>
/// What a deployment must configure. Outside Development and the <c>demo</c> verb there is no
/// embedded default: no throwaway database, no in-memory bus, no API without token validation.
/// Cleartext gRPC is refused off loopback everywhere unless a deployment says it is behind TLS.
/// </summary>
public static class DeploymentSettings
{
    public const string AllowCleartextSetting = "Api:AllowCleartext";

    private static readonly object CommandKey = typeof(ServiceCommand);

    public static IHostApplicationBuilder UseServiceCommand(this IHostApplicationBuilder builder, ServiceCommand command)
    {
        builder.Properties[CommandKey] = command;
        return builder;
    }

    public static ServiceCommand ServiceCommand(this IHostApplicationBuilder builder) =>
        builder.Properties.TryGetValue(CommandKey, out var command) ? (ServiceCommand)command : Hosting.ServiceCommand.Run;

    /// <summary>Development and the demo may start their own database and bus, and mint development tokens.</summary>
    public static bool AllowsEmbeddedDefaults(this IHostApplicationBuilder builder) =>
        builder.Environment.IsDevelopment() || builder.ServiceCommand() == Hosting.ServiceCommand.Demo;

    public static IHostApplicationBuilder RequireDeploymentSettings(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var missing = new List<string>();
        if (!builder.AllowsEmbeddedDefaults())
        {
            if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres")))
            {
                missing.Add("ConnectionStrings:Postgres (the service role's Npgsql connection string)");
            }

            if (builder.ServiceCommand() != Hosting.ServiceCommand.Migrate)
            {
                if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("RabbitMq")))
                {
                    missing.Add("ConnectionStrings:RabbitMq (an amqp:// or amqps:// URI)");
                }

                if (!AccessExtensions.TokensConfigured(configuration))
                {
                    missing.Add($"{AccessExtensions.Section} (Authority and Audience, or ValidIssuer, ValidAudiences and SigningKeys with that issuer)");
                }

                if (string.IsNullOrWhiteSpace(configuration[Audit.AuditChainKey.Setting]))
                {
                    missing.Add($"{Audit.AuditChainKey.Setting} (base64 of at least 32 random bytes, kept outside the database)");
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new StartupProblemException(
                $"Not starting in {builder.Environment.EnvironmentName}: set {string.Join("; ", missing)}.");
        }

        if (!configuration.GetValue(AllowCleartextSetting, false) && CleartextOffLoopback(configuration) is { } url)
        {
            throw new StartupProblemException(
                $"Not starting: {url} would serve gRPC without TLS beyond this machine; give the endpoint a certificate (Kestrel:Endpoints:<name>:Certificate) or, behind a TLS proxy, set {AllowCleartextSetting}=true.");
        }

        return builder;
    }

    /// <summary>The first configured http:// address that is not loopback (ASPNETCORE_URLS, Kestrel endpoints, ASPNETCORE_HTTP_PORTS).</summary>
    private static string? CleartextOffLoopback(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>())
            .Concat((configuration["http_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
        return urls.FirstOrDefault(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(url));
    }

    private static bool IsLoopback(string url)
    {
        var host = url["http://".Length..].Split('/')[0];
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
    }
}
