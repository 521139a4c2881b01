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

        // What the verification record kept under Art. 17(3)(b) is for.
        builder.Services.AddScoped<Completions.ParticipationVerification>();
        return builder;
    }
}
