namespace AccreditationReporting.Privacy;

public static class PrivacyExtensions
{
    /// <summary>The learner's rights the service carries out itself: erasure.</summary>
    public static IHostApplicationBuilder AddLearnerRights(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<LearnerErasure>();
        return builder;
    }
}
