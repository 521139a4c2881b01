using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Privacy;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

public sealed class LearnerRightsApi(LearnerErasure erasure, CallAudit audit) : LearnerRightsService.LearnerRightsServiceBase
{
    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerErase)]
    public override async Task<EraseLearnerResponse> EraseLearner(EraseLearnerRequest request, ServerCallContext context)
    {
        if (ExternalId.Problem(request.LearnerId) is { } learnerIdProblem)
        {
            throw RequestErrors.InvalidArgument("learner_id", learnerIdProblem);
        }

        if (ReferenceProblem(request.RequestReference) is { } referenceProblem)
        {
            throw RequestErrors.InvalidArgument("request_reference", referenceProblem);
        }

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

    /// <summary>The reference is the proof that the requester's identity was verified first (seed 000), so it cannot be blank.</summary>
    private static string? ReferenceProblem(string reference) => reference switch
    {
        _ when string.IsNullOrWhiteSpace(reference) => "is required",
        { Length: > ErasureRequest.MaxReferenceLength } => $"must be at most {ErasureRequest.MaxReferenceLength} characters",
        _ when reference.Any(char.IsControl) => "must not contain control characters",
        _ => null,
    };
}
