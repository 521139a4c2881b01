using AccreditationReporting.Audit;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AccreditationReporting.Access;

/// <summary>
/// A refused call is recorded in the audit trail (who tried, from where, which action) and answered
/// as gRPC: <c>UNAUTHENTICATED</c> without a valid token, <c>PERMISSION_DENIED</c> when the token's
/// roles do not allow the method. The answer is a gRPC trailers-only response, so every client
/// library reads the status and message, not a bare HTTP 401 or 403.
/// </summary>
internal sealed class RefusedCalls : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var (status, outcome, message) = authorizeResult.Challenged
            ? (StatusCode.Unauthenticated, AuditOutcomes.Unauthenticated, "a valid bearer token is required")
            : (StatusCode.PermissionDenied, AuditOutcomes.PermissionDenied, "the token's roles do not allow this method");

        var audit = context.RequestServices.GetRequiredService<CallAudit>();
        audit.Details["method"] = context.Request.Path.Value is { Length: > 200 } path ? path[..200] : context.Request.Path.Value ?? "";
        try
        {
            // Not the request's token: a caller that hangs up at once is still recorded.
            await audit.RecordAsync(AuditInterceptor.ActionOf(context), outcome, CancellationToken.None);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The refusal stands whether or not it could be recorded.
            context.RequestServices.GetRequiredService<ILogger<RefusedCalls>>()
                .LogWarning("A refused call could not be recorded in the audit trail ({Error})", e.GetType().Name);
        }
        if (!IsGrpc(context))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = message;
    }

    private static bool IsGrpc(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
}
