using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace AccreditationReporting.Api;

/// <summary>
/// INVALID_ARGUMENT with a google.rpc.BadRequest field violation, so any client can see which field
/// failed and why (the reason never repeats the value, which may be personal data).
/// </summary>
internal static class RequestErrors
{
    public static RpcException InvalidArgument(string field, string description) =>
        new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"{field} {description}",
            Details =
            {
                Any.Pack(new BadRequest
                {
                    FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = description } },
                }),
            },
        }.ToRpcException();
}
