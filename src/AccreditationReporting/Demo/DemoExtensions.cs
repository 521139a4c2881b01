namespace AccreditationReporting.Demo;

public static class DemoExtensions
{
    public static IHostApplicationBuilder AddDemo(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<DemoRun>();
        return builder;
    }
}
