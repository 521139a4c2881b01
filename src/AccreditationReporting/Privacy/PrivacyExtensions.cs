namespace AccreditationReporting.Privacy;

public static class PrivacyExtensions
{
    /// <summary>The learner's rights the service carries out itself: access, rectification, erasure.</summary>
    public static IHostApplicationBuilder AddLearnerRights(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<LearnerErasure>();
        builder.Services.AddSingleton<Exports.BatchRedaction>();
        builder.Services.AddScoped<LearnerRectification>();
        builder.Services.AddScoped<AccessCopies>();
        return builder;
    }
}
