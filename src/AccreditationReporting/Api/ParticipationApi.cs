using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

/// <summary>Participation verification for ACCME's auditors. TODO(issue 13, point 8): being built.</summary>
internal sealed class ParticipationApi(CallAudit audit) : ParticipationService.ParticipationServiceBase
{
    [Authorize(Policy = AccessPolicies.VerifyParticipation)]
    [Audited(AuditActions.ParticipationVerify)]
    public override Task<VerifyParticipationResponse> VerifyParticipation(VerifyParticipationRequest request, ServerCallContext context)
    {
        _ = audit;
        throw new RpcException(new Status(StatusCode.Unimplemented, "not yet"));
    }
}
