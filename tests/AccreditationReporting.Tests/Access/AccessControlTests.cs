using System.Security.Cryptography;
using AccreditationReporting.Access;
using AccreditationReporting.Audit;
using AccreditationReporting.Tests.Fixtures;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Access;

/// <summary>Walks every method of every service with bad tokens, each role that may not call it, and each that may.</summary>
public sealed class AccessControlTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public void EveryMethodOfTheProtosIsInTheRoleTable()
    {
        Assert.NotEmpty(ApiMethods.All);
        Assert.Equal(ApiMethods.MayCall.Keys.Order(), ApiMethods.All.Select(ApiMethods.Name).Order());
    }

    [Fact]
    public void EveryMethodNamesItsOwnPolicyAndItsAuditAction()
    {
        var endpoints = fixture.Service.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => (Endpoint: e, Grpc: e.Metadata.GetMetadata<GrpcMethodMetadata>()))
            .Where(e => e.Grpc is not null)
            .ToList();

        // Whatever is mapped, from this assembly or another, is in the role table; only gRPC's own
        // health and reflection services are not (they are open on purpose).
        var mapped = endpoints.Select(e => e.Grpc!.Method).Where(m => !m.ServiceName.StartsWith("grpc.", StringComparison.Ordinal))
            .Select(m => $"{m.ServiceName}/{m.Name}").Distinct().Order().ToList();
        Assert.Equal(ApiMethods.MayCall.Keys.Order(), mapped);

        foreach (var method in ApiMethods.All)
        {
            var endpoint = Assert.Single(endpoints, e => e.Grpc!.Method.FullName == $"/{ApiMethods.Name(method)}").Endpoint;
            var policy = Assert.Single(endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>()).Policy;
            Assert.True(policy is not null && AccessPolicies.Roles.ContainsKey(policy), $"{ApiMethods.Name(method)} has no policy of its own");
            Assert.Equal(ApiMethods.MayCall[ApiMethods.Name(method)].Order(), AccessPolicies.Roles[policy!].Order());
            Assert.NotNull(endpoint.Metadata.GetMetadata<AuditedAttribute>());
        }
    }

    [Fact]
    public async Task BadTokensAreUnauthenticatedOtherRolesArePermissionDeniedAndTheAllowedRolesGetThrough()
    {
        var badTokens = new Dictionary<string, string?>
        {
            ["no token"] = null,
            ["an expired token"] = TestTokens.Mint([.. StaffRoles.All], expires: DateTimeOffset.UtcNow.AddMinutes(-10)),
            ["a wrong issuer"] = TestTokens.Mint([.. StaffRoles.All], issuer: "someone-else"),
            ["a wrong audience"] = TestTokens.Mint([.. StaffRoles.All], audience: "another-service"),
            ["a bad signature"] = TestTokens.Mint([.. StaffRoles.All], key: RandomNumberGenerator.GetBytes(32)),
            ["a token that is not a JWT"] = "not-a-token",
        };
        var wrong = new List<string>();

        foreach (var method in ApiMethods.All)
        {
            var name = ApiMethods.Name(method);
            var allowed = ApiMethods.MayCall.GetValueOrDefault(name) ?? [];
            foreach (var (what, token) in badTokens)
            {
                using var channel = fixture.Service.CreateChannelWithToken(token);
                var status = await ApiMethods.CallAsync(channel, method);
                if (status != StatusCode.Unauthenticated)
                {
                    wrong.Add($"{name} with {what}: {status}, expected Unauthenticated");
                }
            }

            foreach (var role in StaffRoles.All)
            {
                using var channel = fixture.Service.CreateChannel(role);
                var status = await ApiMethods.CallAsync(channel, method);
                var expectedThrough = allowed.Contains(role);
                if (expectedThrough && status is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
                {
                    wrong.Add($"{name} as {role}: {status}, expected to get through");
                }
                else if (!expectedThrough && status != StatusCode.PermissionDenied)
                {
                    wrong.Add($"{name} as {role}: {status}, expected PermissionDenied");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task RefusedCallsAreInTheAuditTrailWithWhoTriedAndFromWhere()
    {
        var subject = $"intruder-{Guid.NewGuid():N}";
        var erase = ApiMethods.All.Single(m => m.FullName == "accreditation.v1.LearnerRightsService.EraseLearner");
        using (var channel = fixture.Service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Auditor], subject: subject)))
        {
            Assert.Equal(StatusCode.PermissionDenied, await ApiMethods.CallAsync(channel, erase));
        }

        var refused = await fixture.Service.Database.ScalarAsync<string>(
            "SELECT action || ' ' || outcome || ' ' || array_to_string(actor_roles, ',') || ' ' || peer FROM accreditation.audit_events WHERE actor_subject = @s",
            ("s", subject));
        Assert.Equal("learner.erase permission-denied auditor 127.0.0.1", refused);

        var before = await CountAsync("SELECT count(*) FROM accreditation.audit_events WHERE actor_subject = 'anonymous' AND outcome = 'unauthenticated' AND action = 'audit.verify'");
        using (var anonymous = fixture.Service.CreateChannelWithToken(null))
        {
            Assert.Equal(StatusCode.Unauthenticated, await ApiMethods.CallAsync(anonymous, ApiMethods.All.Single(m => m.Name == "VerifyAuditTrail")));
        }

        Assert.Equal(before + 1, await CountAsync("SELECT count(*) FROM accreditation.audit_events WHERE actor_subject = 'anonymous' AND outcome = 'unauthenticated' AND action = 'audit.verify'"));
    }

    [Fact]
    public async Task AMethodNoServiceDeclaresIsRefusedAndRecordedNotAnswered()
    {
        var subject = $"prober-{Guid.NewGuid():N}";
        using var channel = fixture.Service.CreateChannelWithToken(TestTokens.Mint([.. StaffRoles.All], subject: subject));
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "accreditation.v1.ExportService", "DropEverything", bytes, bytes);

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), []).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("unlisted-method permission-denied /accreditation.v1.ExportService/DropEverything", await fixture.Service.Database.ScalarAsync<string>(
            "SELECT action || ' ' || outcome || ' ' || (details->>'method') FROM accreditation.audit_events WHERE actor_subject = @s", ("s", subject)));
    }

    [Fact]
    public async Task TheHealthServiceStaysOpen()
    {
        using var channel = fixture.Service.CreateChannelWithToken(null);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        var answer = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
    }

    private Task<long> CountAsync(string sql) => fixture.Service.Database.ScalarAsync<long>(sql);
}
