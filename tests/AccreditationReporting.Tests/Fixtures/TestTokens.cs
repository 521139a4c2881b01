using System.Security.Cryptography;
using AccreditationReporting.Access;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// The test run's identity provider: one offline signing key, issuer and audience, configured on
/// every service a test starts (the <c>Authentication:Schemes:Bearer</c> section, as a deployment
/// with offline keys would), and tokens minted with it, or deliberately wrong.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "accreditation-tests";
    public const string Audience = "accreditation-reporting";

    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    public static readonly byte[] ChainKey = RandomNumberGenerator.GetBytes(32);

    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        [$"{AccessExtensions.Section}:ValidIssuer"] = Issuer,
        [$"{AccessExtensions.Section}:ValidAudiences:0"] = Audience,
        [$"{AccessExtensions.Section}:SigningKeys:0:Issuer"] = Issuer,
        [$"{AccessExtensions.Section}:SigningKeys:0:Value"] = Convert.ToBase64String(Key),

        // The audit chain's key: a deployment's secret, given beside the token settings.
        [AccreditationReporting.Audit.AuditChainKey.Setting] = Convert.ToBase64String(ChainKey),
    };

    /// <summary>A valid token for a person holding <paramref name="roles"/>; its subject names them.</summary>
    public static string For(params string[] roles) => Mint(roles, subject: $"tester-{string.Join("+", roles)}", name: $"Tester ({string.Join(", ", roles)})");

    public static string Mint(
        IReadOnlyList<string> roles,
        string subject = "tester",
        string? name = "Tester",
        string issuer = Issuer,
        string audience = Audience,
        byte[]? key = null,
        DateTimeOffset? expires = null,
        string? clientId = null,
        string roleClaim = "role")
    {
        var now = DateTimeOffset.UtcNow;
        var until = expires ?? now.AddMinutes(30);
        var claims = new Dictionary<string, object> { ["sub"] = subject, [roleClaim] = roles.ToArray() };
        if (name is not null)
        {
            claims["name"] = name;
        }

        if (clientId is not null)
        {
            claims["azp"] = clientId;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = (until < now ? until.AddMinutes(-30) : now).UtcDateTime,
            NotBefore = (until < now ? until.AddMinutes(-30) : now).UtcDateTime,
            Expires = until.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? Key), SecurityAlgorithms.HmacSha256),
        });
    }
}
