using AccreditationReporting.Hosting;

namespace AccreditationReporting.Audit;

public static class AuditExtensions
{
    /// <summary>The audit trail: its writer, the per-call audit and the verifier.</summary>
    public static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        // A configured key is checked now; a missing one matters only to a service that writes the
        // trail (the migrate step does not), and outside development has stopped the start already.
        var allowDevelopmentKey = builder.AllowsEmbeddedDefaults();
        var configured = string.IsNullOrWhiteSpace(builder.Configuration[AuditChainKey.Setting])
            ? null
            : AuditChainKey.Read(builder.Configuration, allowDevelopmentKey);
        builder.Services.AddSingleton(sp => configured ?? AuditChainKey.Read(sp.GetRequiredService<IConfiguration>(), allowDevelopmentKey));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditTrail>();
        builder.Services.AddScoped<CallAudit>();
        builder.Services.AddScoped<AuditVerifier>();
        return builder;
    }
}
