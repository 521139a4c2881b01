using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Privacy;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

/// <summary>Erasure under its first name; PrivacyService carries it with access and rectification.</summary>
internal sealed class LearnerRightsApi(LearnerErasure erasure, CallAudit audit) : LearnerRightsService.LearnerRightsServiceBase
{
    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerErase)]
    public override Task<EraseLearnerResponse> EraseLearner(EraseLearnerRequest request, ServerCallContext context) =>
        EraseAsync(erasure, audit, request, context);

    internal static async Task<EraseLearnerResponse> EraseAsync(
        LearnerErasure erasure, CallAudit audit, EraseLearnerRequest request, ServerCallContext context)
    {
        PrivacyApi.CheckLearnerRequest(request.LearnerId, request.RequestReference);

        // A request about which nothing is stored is recorded too (by the interceptor, as not-found),
        // under its reference and with no target: there is no learner to name.
        audit.Details["request_reference"] = request.RequestReference;
        var outcome = await erasure.EraseAsync(request.LearnerId, request.RequestReference, audit.Actor, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "Nothing is stored about that learner_id."));
        audit.RecordedElsewhere();
        return new EraseLearnerResponse
        {
            CompletionsErased = outcome.CompletionsErased,
            ErasedAt = Timestamp.FromDateTimeOffset(outcome.ErasedAt),
            AlreadyErased = outcome.AlreadyErased,
            RejectedPayloadsDeleted = outcome.RejectedPayloadsDeleted,
            BatchesRedacted = { outcome.BatchesRedacted.Select(b => b.BatchId) },
        };
    }
}
