using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccreditationReporting.Access;

/// <summary>
/// Tokens for the <c>demo</c> verb, signed with a key it makes and that lives only as long as the
/// process. The key is added beside whatever token settings exist, so the demo never signs with a
/// deployment's own key and a token it prints is worthless once it stops.
/// </summary>
public sealed class DevelopmentTokens
{
    public const string Issuer = "accreditation-reporting-demo";
    public const string Audience = "accreditation-reporting-demo";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static IHostApplicationBuilder AddDevelopmentTokens(IHostApplicationBuilder builder)
    {
        var tokens = new DevelopmentTokens();
        var section = builder.Configuration.GetSection(AccessExtensions.Section);
        int Next(string list) => section.GetSection(list).GetChildren().Count();
        var settings = new Dictionary<string, string?>
        {
            [$"{AccessExtensions.Section}:ValidIssuers:{Next("ValidIssuers")}"] = Issuer,
            [$"{AccessExtensions.Section}:ValidAudiences:{Next("ValidAudiences")}"] = Audience,
            [$"{AccessExtensions.Section}:SigningKeys:{Next("SigningKeys")}:Issuer"] = Issuer,
            [$"{AccessExtensions.Section}:SigningKeys:{Next("SigningKeys")}:Value"] = Convert.ToBase64String(tokens._key),
        };
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(tokens);
        return builder;
    }

    public string Mint(string subject, string name, IReadOnlyList<string> roles, string roleClaim, DateTimeOffset now, TimeSpan lifetime) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = name, [roleClaim] = roles.ToArray() },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_key), SecurityAlgorithms.HmacSha256),
        });
}
