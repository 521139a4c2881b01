using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Privacy;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

/// <summary>Erasure under its first name; PrivacyService carries it with access and rectification.</summary>
public sealed class LearnerRightsApi(LearnerErasure erasure, CallAudit audit) : LearnerRightsService.LearnerRightsServiceBase
{
    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerErase)]
    public override Task<EraseLearnerResponse> EraseLearner(EraseLearnerRequest request, ServerCallContext context) =>
        EraseAsync(erasure, audit, request, context);

    internal static async Task<EraseLearnerResponse> EraseAsync(
        LearnerErasure erasure, CallAudit audit, EraseLearnerRequest request, ServerCallContext context)
    {
        PrivacyApi.CheckLearnerRequest(request.LearnerId, request.RequestReference);

        // A request for a learner we do not hold is recorded too, under its reference.
        audit.Details["request_reference"] = request.RequestReference;
        var outcome = await erasure.EraseAsync(request.LearnerId, request.RequestReference, audit.Actor, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "No learner is stored under that learner_id."));
        audit.RecordedElsewhere();
        return new EraseLearnerResponse
        {
            CompletionsErased = outcome.CompletionsErased,
            ErasedAt = Timestamp.FromDateTimeOffset(outcome.ErasedAt),
            AlreadyErased = outcome.AlreadyErased,
        };
    }
}
