namespace AccreditationReporting.Retention;

public static class RetentionExtensions
{
    /// <summary>
    /// The retention purge and its schedule. The settings are read now, so one that would purge
    /// sooner than the records must be kept stops the start (<see cref="RetentionSettings"/>).
    /// </summary>
    public static IHostApplicationBuilder AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(RetentionSettings.Read(builder.Configuration));
        builder.Services.AddHostedService<RetentionSchedule>();
        return builder;
    }
}
