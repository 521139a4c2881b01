using System.Security.Claims;

namespace AccreditationReporting.Audit;

/// <summary>
/// Who did something, as the verified token says (never a header the caller writes), and the network
/// peer it came from. The service's own jobs (schedules, push delivery) are actors too.
/// </summary>
public sealed record AuditActor(string Subject, string? Name, IReadOnlyList<string> Roles, string? ClientId, string? Peer)
{
    public const int MaxLength = 200;

    public static AuditActor Anonymous(string? peer) => new("anonymous", null, [], null, peer);

    public static AuditActor Service(string job) => new($"service:{job}", null, [], null, null);

    /// <summary>The authenticated user of a request; anonymous when it carried no valid token.</summary>
    public static AuditActor Of(HttpContext http)
    {
        var peer = http.Connection.RemoteIpAddress?.ToString();
        if (http.User.Identity is not ClaimsIdentity { IsAuthenticated: true } identity)
        {
            return Anonymous(peer);
        }

        // Identity providers name these claims differently: the first one present wins.
        string? First(params string[] types) =>
            types.Select(t => identity.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) is { } value ? Bounded(value) : null;

        return new AuditActor(
            First("sub", ClaimTypes.NameIdentifier, "oid") ?? "unknown-subject",
            First("name", "preferred_username", "unique_name", ClaimTypes.Name),
            identity.FindAll(identity.RoleClaimType).Select(c => Bounded(c.Value)).Distinct().Order(StringComparer.Ordinal).ToList(),
            First("azp", "client_id", "appid"),
            peer);
    }

    /// <summary>How a person reads this actor: the name when the token has one, else the subject.</summary>
    public string Display => Name ?? Subject;

    /// <summary>
    /// Who is accountable, for records outside the trail (a submission, an erasure request): the
    /// name a person reads and the subject that identifies them, since names repeat and can change.
    /// </summary>
    public string Accountable => Name is null ? Subject : Bounded($"{Name} ({Subject})");

    private static string Bounded(string value) => value.Length > MaxLength ? value[..MaxLength] : value;
}
