namespace AccreditationReporting.Hosting;

/// <summary>
/// Where Development and the demo listen when nothing says otherwise: gRPC on
/// <c>http://localhost:5000</c> (HTTP/2, which gRPC over cleartext needs) and the console on
/// <c>http://localhost:5080</c> (HTTP/1.1, which is all a browser speaks without TLS). Any address a
/// developer configures (<c>ASPNETCORE_URLS</c>, <c>--urls</c>, ports, Kestrel endpoints) replaces
/// both, exactly as it would in a deployment; nothing is added outside Development and the demo.
/// </summary>
public static class DevelopmentEndpoints
{
    public const string GrpcUrl = "http://localhost:5000";
    public const string ConsoleUrl = "http://localhost:5080";

    public static IHostApplicationBuilder UseDevelopmentEndpoints(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured = new[] { "urls", "http_ports", "https_ports" }.Any(key => !string.IsNullOrWhiteSpace(configuration[key]))
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (!builder.AllowsEmbeddedDefaults() || configured)
        {
            return builder;
        }

        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = GrpcUrl,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Console:Url"] = ConsoleUrl,
            ["Kestrel:Endpoints:Console:Protocols"] = "Http1",
        });
        return builder;
    }
}
