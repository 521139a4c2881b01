using AccreditationReporting.Access;

namespace AccreditationReporting.Demo;

public static class DemoExtensions
{
    public static IHostApplicationBuilder AddDemo(this IHostApplicationBuilder builder)
    {
        builder.AddDevelopmentTokens();
        builder.Services.AddHostedService<DemoRun>();
        return builder;
    }
}
