using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.Exports.JointProvider;
using AccreditationReporting.Hosting;
using AccreditationReporting.Privacy;

namespace AccreditationReporting.Exports;

public static class ExportsExtensions
{
    /// <summary>
    /// Loads and checks the policy and format declarations now, so an inconsistent pair stops the
    /// service before it serves anything (<see cref="ExportCatalogException"/> names every problem).
    /// </summary>
    public static IHostApplicationBuilder AddExports(this IHostApplicationBuilder builder)
    {
        // The demo's sample activities are jointly provided with "Demo Joint Provider".
        if (builder.ServiceCommand() == ServiceCommand.Demo && !builder.Configuration.GetSection(JointProviders.Section).Exists())
        {
            builder.Configuration.AddInMemoryCollection([new("JointProviders:demo-joint-provider:Name", "Demo Joint Provider")]);
        }

        var enabled = builder.Configuration.GetSection(EnabledPolicies.Section).Get<EnabledPolicies>() ?? new EnabledPolicies();
        var catalog = ExportCatalog.Load(
            builder.Configuration["Policies:File"], builder.Configuration["Exports:FormatsFile"], enabled.Versions,
            JointProviders.Read(builder.Configuration), builder.Configuration);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddScoped<ExportBatches>();
        var downloads = builder.Configuration.GetValue(DownloadSlots.Setting, DownloadSlots.DefaultLimit);
        builder.Services.AddSingleton(new DownloadSlots(downloads > 0
            ? downloads
            : throw new Hosting.StartupProblemException($"{DownloadSlots.Setting} must be at least 1")));

        var schedules = ExportSchedules.Read(builder.Configuration, catalog);
        builder.Services.AddSingleton(new RecipientSchedules(schedules));
        if (schedules.Count > 0)
        {
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ExportSchedules>(sp, (IReadOnlyDictionary<string, Cronos.CronExpression>)schedules));
        }

        var deliveries = DeliveryEndpoints.Read(builder.Configuration, catalog);
        builder.Services.AddSingleton(deliveries);
        if (deliveries.Recipients.Any())
        {
            // Polly owns the timeouts, and a redirect would take personal data somewhere nobody configured.
            builder.Services.AddHttpClient(BatchDeliveries.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
            builder.Services.AddHostedService<BatchDeliveries>();
        }

        return builder;
    }
}
