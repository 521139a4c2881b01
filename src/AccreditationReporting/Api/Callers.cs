using Grpc.Core;

namespace AccreditationReporting.Api;

/// <summary>Who made a call, for the audit records (downloads, deliveries, erasures).</summary>
internal static class Callers
{
    public const int MaxActorLength = 300;

    /// <summary>The caller's declared identity (the <c>x-actor</c> header) and its network peer.</summary>
    public static string Actor(ServerCallContext context)
    {
        var declared = context.RequestHeaders.GetValue("x-actor");
        var actor = string.IsNullOrWhiteSpace(declared) ? $"anonymous@{context.Peer}" : $"{declared}@{context.Peer}";
        return actor.Length > MaxActorLength ? actor[..MaxActorLength] : actor;
    }
}
