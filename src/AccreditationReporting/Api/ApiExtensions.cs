using AccreditationReporting.Audit;
using AccreditationReporting.Hosting;

namespace AccreditationReporting.Api;

public static class ApiExtensions
{
    /// <summary>The largest request message a caller may send (<c>Api:MaxReceiveMessageBytes</c>); every request here is small.</summary>
    public const string MaxReceiveMessageBytesSetting = "Api:MaxReceiveMessageBytes";
    public const int DefaultMaxReceiveMessageBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddReportingApi(this IHostApplicationBuilder builder)
    {
        var maxReceive = builder.Configuration.GetValue(MaxReceiveMessageBytesSetting, DefaultMaxReceiveMessageBytes);
        if (maxReceive < 1024)
        {
            throw new StartupProblemException($"{MaxReceiveMessageBytesSetting} must be at least 1024");
        }

        builder.Services.AddGrpc(options =>
        {
            options.EnableDetailedErrors = builder.Environment.IsDevelopment();
            options.MaxReceiveMessageSize = maxReceive;
            options.Interceptors.Add<AuditInterceptor>();
        });
        return builder;
    }

    public static WebApplication MapReportingApi(this WebApplication app)
    {
        app.MapGrpcService<CompletionApi>();
        app.MapGrpcService<IngestionApi>();
        app.MapGrpcService<ExportApi>();
        app.MapGrpcService<LearnerRightsApi>();
        app.MapGrpcService<PrivacyApi>();
        app.MapGrpcService<ParticipationApi>();
        app.MapGrpcService<AuditApi>();
        return app;
    }
}
