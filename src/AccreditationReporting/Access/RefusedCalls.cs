using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
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
internal sealed class RefusedCalls(IConfiguration configuration, ILogger<RefusedCalls> logger) : IAuthorizationMiddlewareResultHandler
{
    /// <summary>Refusals recorded one by one per peer and minute; beyond it they are counted (<c>Audit:RefusedCallsPerPeerPerMinute</c>).</summary>
    public const string LimitSetting = "Audit:RefusedCallsPerPeerPerMinute";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    // Anyone who reaches the port can be refused, and each record takes the trail's lock: one peer
    // may not fill the trail, or hold up the entries of everyone else's work. What is over the
    // limit is counted and said in that peer's next recorded refusal.
    private readonly PartitionedRateLimiter<string> _recorded = PartitionedRateLimiter.Create<string, string>(peer =>
        RateLimitPartition.GetFixedWindowLimiter(peer, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, configuration.GetValue(LimitSetting, 60)),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    private readonly ConcurrentDictionary<string, int> _unrecorded = new(StringComparer.Ordinal);

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

        var peer = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using (var lease = _recorded.AttemptAcquire(peer))
        {
            if (lease.IsAcquired)
            {
                await RecordAsync(context, peer, outcome);
            }
            else
            {
                _unrecorded.AddOrUpdate(peer, 1, (_, n) => n + 1);
            }
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
        context.Response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = message;
    }

    private async Task RecordAsync(HttpContext context, string peer, string outcome)
    {
        var audit = context.RequestServices.GetRequiredService<CallAudit>();
        audit.Details["method"] = context.Request.Path.Value is { Length: > 200 } path ? path[..200] : context.Request.Path.Value ?? "";
        if (_unrecorded.TryRemove(peer, out var unrecorded))
        {
            audit.Details["refusals_not_recorded_before"] = unrecorded.ToString(CultureInfo.InvariantCulture);
        }

        try
        {
            // Not the request's token: a caller that hangs up at once is still recorded.
            await audit.RecordAsync(AuditInterceptor.ActionOf(context), outcome, CancellationToken.None);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The refusal stands whether or not it could be recorded.
            logger.LogWarning("A refused call could not be recorded in the audit trail ({Error})", e.GetType().Name);
        }
    }

    private static bool IsGrpc(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
}
