using AccreditationReporting.Access;

namespace AccreditationReporting.Demo;

public static class DemoExtensions
{
    public static IHostApplicationBuilder AddDemo(this IHostApplicationBuilder builder)
    {
        DevelopmentTokens.AddDevelopmentTokens(builder);
        builder.Services.AddHostedService<DemoRun>();
        return builder;
    }
}
