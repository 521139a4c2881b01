using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Privacy;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

/// <summary>The learner's rights of access, rectification and erasure, for the privacy office.</summary>
internal sealed class PrivacyApi(LearnerErasure erasure, LearnerRectification rectification, AccessCopies accessCopies, CallAudit audit)
    : PrivacyService.PrivacyServiceBase
{
    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerAccessCopy)]
    public override async Task<AccessCopy> GetAccessCopy(GetAccessCopyRequest request, ServerCallContext context)
    {
        CheckLearnerRequest(request.LearnerId, request.RequestReference);
        audit.Details["request_reference"] = request.RequestReference;
        var copy = await accessCopies.BuildAsync(request.LearnerId, request.RequestReference, context.CancellationToken)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "Nothing is stored about that learner_id."));
        if (copy.LearnerKey is { } key)
        {
            audit.Target = AuditEntry.Learner(key);
        }

        audit.Sha256 = copy.Sha256;
        return new AccessCopy
        {
            GeneratedAt = Timestamp.FromDateTimeOffset(copy.GeneratedAt),
            ContentType = "application/json",
            Document = ByteString.CopyFrom(copy.Document),
            Sha256 = copy.Sha256,
        };
    }

    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerRectify)]
    public override async Task<RectifyLearnerResponse> RectifyLearner(RectifyLearnerRequest request, ServerCallContext context)
    {
        CheckLearnerRequest(request.LearnerId, request.RequestReference);
        audit.Details["request_reference"] = request.RequestReference;
        var correction = Rectifications.From(request);
        var outcome = await rectification.RectifyAsync(request.LearnerId, request.RequestReference, correction, audit.Actor, context.CancellationToken)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "No learner is stored under that learner_id."));
        audit.RecordedElsewhere();
        return new RectifyLearnerResponse
        {
            RectifiedAt = Timestamp.FromDateTimeOffset(outcome.RectifiedAt),
            ProfilesCorrected = outcome.ProfilesCorrected,
            FieldsCorrected = { outcome.FieldsCorrected },
        };
    }

    [Authorize(Policy = AccessPolicies.ExerciseLearnerRights)]
    [Audited(AuditActions.LearnerErase)]
    public override Task<EraseLearnerResponse> EraseLearner(EraseLearnerRequest request, ServerCallContext context) =>
        LearnerRightsApi.EraseAsync(erasure, audit, request, context);

    /// <summary>The reference is the proof that the requester's identity was verified first (seed 000), so it cannot be blank.</summary>
    internal static void CheckLearnerRequest(string learnerId, string reference)
    {
        if (ExternalId.Problem(learnerId) is { } learnerIdProblem)
        {
            throw RequestErrors.InvalidArgument("learner_id", learnerIdProblem);
        }

        var referenceProblem = ReferenceProblem(reference);
        if (referenceProblem is not null)
        {
            throw RequestErrors.InvalidArgument("request_reference", referenceProblem);
        }
    }

    /// <summary>What is wrong with a request reference, in words; null when nothing is.</summary>
    internal static string? ReferenceProblem(string? reference) => reference switch
    {
        _ when string.IsNullOrWhiteSpace(reference) => "is required",
        { Length: > ErasureRequest.MaxReferenceLength } => $"must be at most {ErasureRequest.MaxReferenceLength} characters",
        _ when reference.Any(char.IsControl) => "must not contain control characters",
        _ => null,
    };
}
