using AccreditationReporting.Contracts;
using AccreditationReporting.Hosting;
using AccreditationReporting.Privacy;
using MassTransit;

namespace AccreditationReporting.Ingestion;

public static class IngestionExtensions
{
    /// <summary>
    /// The course-completed receive endpoint on RabbitMQ (<c>ConnectionStrings:RabbitMq</c>, an AMQP
    /// URI) or, when that is not set, on the in-memory bus.
    /// </summary>
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        var ingestion = builder.Configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>() ?? new IngestionOptions();
        IngestionQueueTypes.Validate(ingestion);
        var endpointName = ingestion.EndpointName;
        var rabbitMq = builder.Configuration.GetConnectionString("RabbitMq");
        var broker = string.IsNullOrWhiteSpace(rabbitMq) ? null : AmqpAddress.Parse(rabbitMq, ingestion.ClusterNodes);

        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section);
        builder.Services.AddOptions<EnabledPolicies>().BindConfiguration(EnabledPolicies.Section)
            .Validate(p => !p.Problems().Any(), "Policies:Enabled names a policy version the service does not ship")
            .ValidateOnStart();
        builder.Services.AddScoped<CompletionStore>();
        builder.Services.AddScoped<RejectedEventReplay>();
        builder.Services.AddHostedService<RejectedPayloadRetention>();
        builder.Services.AddHealthChecks().AddCheck<BusReadiness>("bus", tags: [ServiceDefaults.ReadyTag]);
        if (broker is not null)
        {
            // Registered before the bus, so its queues exist with their type and TTL before it starts.
            builder.Services.AddHostedService(sp => new IngestionQueueDeclaration(
                broker, ingestion, sp.GetRequiredService<ILogger<IngestionQueueDeclaration>>()));
        }

        // Not "started" until the endpoint and its exchange exist, so publishers never race the topology.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromSeconds(60);
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit 8.4+ reports usage to its vendor over the internet by default; this service
            // talks only to the hosts its operators configured.
            bus.DisableUsageTelemetry();

            // Out of readiness: BusReadiness stands in for it (MassTransit tags its check "ready").
            bus.ConfigureHealthCheckOptions(health => health.Tags.Add("masstransit"));
            bus.AddConsumer<CourseCompletedConsumer, CourseCompletedConsumerDefinition>();

            if (broker is null)
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    cfg.Message<CourseCompleted>(m => m.SetEntityName(endpointName));
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    broker.ConfigureHost(cfg);
                    ErrorQueues.Configure(cfg, ingestion);
                    cfg.Message<CourseCompleted>(m => m.SetEntityName(endpointName));
                    cfg.ConfigureEndpoints(context);
                });
            }
        });

        return builder;
    }
}
