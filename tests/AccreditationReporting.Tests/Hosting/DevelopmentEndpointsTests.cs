using AccreditationReporting.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace AccreditationReporting.Tests.Hosting;

/// <summary>
/// Development and the demo listen where a newcomer can reach both doors (gRPC on HTTP/2, the
/// console on HTTP/1.1) unless an address is configured, which then is all there is.
/// </summary>
public sealed class DevelopmentEndpointsTests
{
    [Theory]
    [InlineData("Development", ServiceCommand.Run)]
    [InlineData("Production", ServiceCommand.Demo)]
    public void WithNoAddressConfiguredDevelopmentAndTheDemoServeGrpcAndTheConsoleApart(string environment, ServiceCommand command)
    {
        var builder = Builder(environment, command);

        builder.UseDevelopmentEndpoints();

        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints");
        Assert.Equal(DevelopmentEndpoints.GrpcUrl, endpoints["Grpc:Url"]);
        Assert.Equal("Http2", endpoints["Grpc:Protocols"]);
        Assert.Equal(DevelopmentEndpoints.ConsoleUrl, endpoints["Console:Url"]);
        Assert.Equal("Http1", endpoints["Console:Protocols"]);
    }

    [Theory]
    [InlineData("urls", "http://localhost:6000")]
    [InlineData("http_ports", "6000")]
    [InlineData("Kestrel:Endpoints:Mine:Url", "http://localhost:6000")]
    public void AnAddressTheDeveloperConfiguresIsAllThereIs(string key, string value)
    {
        var builder = Builder("Development", ServiceCommand.Demo, (key, value));

        builder.UseDevelopmentEndpoints();

        Assert.Null(builder.Configuration["Kestrel:Endpoints:Grpc:Url"]);
        Assert.Null(builder.Configuration["Kestrel:Endpoints:Console:Url"]);
    }

    [Fact]
    public void OutsideDevelopmentAndTheDemoNothingIsAdded()
    {
        var builder = Builder("Production", ServiceCommand.Run);

        builder.UseDevelopmentEndpoints();

        Assert.Empty(builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren());
    }

    private static WebApplicationBuilder Builder(string environment, ServiceCommand command, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.UseServiceCommand(command);
        return builder;
    }
}
