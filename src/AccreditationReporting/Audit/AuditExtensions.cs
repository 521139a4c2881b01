namespace AccreditationReporting.Audit;

public static class AuditExtensions
{
    /// <summary>The audit trail: its writer, the per-call audit and the verifier.</summary>
    public static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditTrail>();
        builder.Services.AddScoped<CallAudit>();
        builder.Services.AddScoped<AuditVerifier>();
        return builder;
    }
}
