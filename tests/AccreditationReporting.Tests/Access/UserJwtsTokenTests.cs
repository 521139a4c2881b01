using System.Security.Cryptography;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccreditationReporting.Tests.Access;

/// <summary>
/// The README's development tokens: the settings <c>dotnet user-jwts create</c> writes (issuer and
/// audiences in appsettings.Development.json, the key in user secrets), and a token shaped as it
/// issues them (one role as a string, <c>unique_name</c>, <c>jti</c>), are accepted as they are.
/// </summary>
public sealed class UserJwtsTokenTests
{
    [Fact]
    public async Task ATokenShapedAsDotnetUserJwtsIssuesItIsAcceptedWithItsSettings()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:Schemes:Bearer:ValidAudiences:0"] = "http://localhost:5000",
            ["Authentication:Schemes:Bearer:ValidIssuer"] = "dotnet-user-jwts",
            ["Authentication:Schemes:Bearer:SigningKeys:0:Id"] = "238282ad",
            ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = "dotnet-user-jwts",
            ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = Convert.ToBase64String(key),
            ["Authentication:Schemes:Bearer:SigningKeys:0:Length"] = "32",
        };
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: settings);
        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "dotnet-user-jwts",
            Audience = "http://localhost:5000",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddDays(90),
            Claims = new Dictionary<string, object> { ["unique_name"] = "root", ["sub"] = "root", ["jti"] = "45fce0a9", ["role"] = "compliance" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key) { KeyId = "238282ad" }, SecurityAlgorithms.HmacSha256),
        });

        using var channel = service.CreateChannelWithToken(token);
        var listed = await new ExportService.ExportServiceClient(channel).ListBatchesAsync(new ListBatchesRequest());
        Assert.Empty(listed.Batches);
        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            new AuditService.AuditServiceClient(channel).VerifyAuditTrailAsync(new VerifyAuditTrailRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("root compliance", await service.Database.ScalarAsync<string>(
            "SELECT actor_name || ' ' || array_to_string(actor_roles, ',') FROM accreditation.audit_events WHERE actor_subject = 'root' AND action = 'batch.list'"));
    }
}
