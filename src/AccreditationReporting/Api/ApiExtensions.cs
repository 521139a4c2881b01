namespace AccreditationReporting.Api;

public static class ApiExtensions
{
    public static IHostApplicationBuilder AddReportingApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = builder.Environment.IsDevelopment());
        return builder;
    }

    public static WebApplication MapReportingApi(this WebApplication app)
    {
        app.MapGrpcService<CompletionApi>();
        app.MapGrpcService<IngestionApi>();
        app.MapGrpcService<ExportApi>();
        app.MapGrpcService<LearnerRightsApi>();
        return app;
    }
}
