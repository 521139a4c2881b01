using Grpc.Core;
using Grpc.Core.Interceptors;

namespace AccreditationReporting.Audit;

/// <summary>
/// Every call that got past authorisation leaves an entry: the method's action (its
/// <see cref="AuditedAttribute"/>), the verified caller, what it touched and how it ended. Methods
/// that wrote their own entry are left alone. For a unary call the entry is written before the
/// response leaves, so nothing is revealed unrecorded; if it cannot be written, the call fails.
/// </summary>
public sealed class AuditInterceptor(CallAudit audit) : Interceptor
{
    /// <summary>
    /// The health service is not recorded: it reveals up or down only, orchestrators ask it every
    /// few seconds (an entry each would bury the trail), and liveness must answer while the database
    /// that holds the trail is down, or every instance would be restarted by a database outage.
    /// </summary>
    private const string HealthService = "/grpc.health.v1.Health/";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (IsHealth(context))
        {
            return await continuation(request, context);
        }

        TResponse response = default!;
        await AuditedAsync(context, async () => response = await continuation(request, context));
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        IsHealth(context) ? continuation(request, responseStream, context) : AuditedAsync(context, () => continuation(request, responseStream, context));

    private static bool IsHealth(ServerCallContext context) => context.Method.StartsWith(HealthService, StringComparison.Ordinal);

    private async Task AuditedAsync(ServerCallContext context, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (!audit.Recorded)
        {
            await RecordAsync(context, Outcome(e, context));
            throw;
        }

        if (!audit.Recorded)
        {
            await RecordAsync(context, AuditOutcomes.Ok);
        }
    }

    /// <summary>
    /// The action the method is recorded under. A path without one (a method no service implements,
    /// refused before it is answered) is recorded as <c>unlisted-method</c>, its path in the details.
    /// </summary>
    public static string ActionOf(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<AuditedAttribute>()?.Action ?? "unlisted-method";

    private Task RecordAsync(ServerCallContext context, string outcome) =>
        // Not the call's token: a cancelled call is still recorded.
        audit.RecordAsync(ActionOf(context.GetHttpContext()), outcome, CancellationToken.None);

    private static string Outcome(Exception e, ServerCallContext context) => e switch
    {
        RpcException rpc => StatusName(rpc.StatusCode),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => AuditOutcomes.Cancelled,
        _ => StatusName(StatusCode.Internal),
    };

    /// <summary>gRPC's own names, in the trail's lower-case words: <c>invalid-argument</c>, <c>not-found</c>.</summary>
    public static string StatusName(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));
}
