namespace AccreditationReporting.Hosting;

/// <summary>What every deployment of the service has: a clock, health and (in development) reflection.</summary>
public static class ServiceDefaults
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddGrpcHealthChecks();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Load balancers and orchestrators probe without a token; health reveals nothing else.
        app.MapGrpcHealthChecksService().AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            // Development only: lets grpcurl list the methods; calling them still needs a token.
            app.MapGrpcReflectionService().AllowAnonymous();
        }

        return app;
    }
}
