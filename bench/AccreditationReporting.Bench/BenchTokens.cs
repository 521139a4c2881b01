using System.Security.Cryptography;
using AccreditationReporting.Access;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccreditationReporting.Bench;

/// <summary>
/// The identity provider of one deployment (one service process, or several): a random offline signing key (HMAC-SHA256), given
/// to the service as a deployment with offline keys would give it (the standard
/// <c>Authentication:Schemes:Bearer</c> section, through the environment), and tokens signed with it
/// for the bench's own calls, as the identity provider would issue them to the caller.
/// </summary>
internal sealed class BenchTokens
{
    public const string Issuer = "accreditation-bench";
    public const string Audience = "accreditation-reporting";

    /// <summary>Validated when a call starts; a batch over millions of rows may outlast a shorter one, which does not matter.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <summary>One audit chain key for every process of a deployment: they append to one chain.</summary>
    private readonly byte[] _chainKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>The service's token settings as environment variables (<c>Authentication__Schemes__Bearer__...</c>).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables
    {
        get
        {
            var section = AccessExtensions.Section.Replace(":", "__", StringComparison.Ordinal);
            return new Dictionary<string, string>
            {
                [$"{section}__ValidIssuer"] = Issuer,
                [$"{section}__ValidAudiences__0"] = Audience,
                [$"{section}__SigningKeys__0__Issuer"] = Issuer,
                [$"{section}__SigningKeys__0__Value"] = Convert.ToBase64String(_key),

                // Not a token setting, but a secret a deployment must give the service like one.
                [Audit.AuditChainKey.Setting.Replace(":", "__", StringComparison.Ordinal)] = Convert.ToBase64String(_chainKey),
            };
        }
    }

    /// <summary>A token for a caller holding <paramref name="roles"/> (the <c>role</c> claim).</summary>
    public string Mint(string subject, string name, params string[] roles)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = name, ["role"] = roles },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_key), SecurityAlgorithms.HmacSha256),
        });
    }
}
