using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;

namespace AccreditationReporting.Tests.Access;

/// <summary>The other ways a deployment configures tokens: an identity provider's discovery, and roles in a claim of its own.</summary>
public sealed class TokenConfigurationTests
{
    [Fact]
    public async Task AuthorityAndAudienceAloneFindTheKeysByDiscoveryAndCheckTheAudience()
    {
        await using var provider = await IdentityProvider.StartAsync();
        var section = AccessExtensions.Section;
        var settings = new Dictionary<string, string?>
        {
            // Only what a deployment against its identity provider sets; no offline key or issuer.
            [$"{section}:ValidIssuer"] = null,
            [$"{section}:ValidAudiences:0"] = null,
            [$"{section}:SigningKeys:0:Issuer"] = null,
            [$"{section}:SigningKeys:0:Value"] = null,
            [$"{section}:Authority"] = provider.Authority,
            [$"{section}:Audience"] = "accreditation-api",
            [$"{section}:RequireHttpsMetadata"] = "false",
        };
        await using var service = await ReportingService.StartAsync(useRabbitMq: false, settings: settings);

        using (var accepted = service.CreateChannelWithToken(provider.Token("accreditation-api", "idp-user-1", StaffRoles.Compliance)))
        {
            Assert.Empty((await new ExportService.ExportServiceClient(accepted).ListBatchesAsync(new ListBatchesRequest())).Batches);
        }

        using (var otherAudience = service.CreateChannelWithToken(provider.Token("some-other-api", "idp-user-1", StaffRoles.Compliance)))
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => new ExportService.ExportServiceClient(otherAudience).ListBatchesAsync(new ListBatchesRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        using var offlineKey = service.CreateChannelWithToken(TestTokens.For(StaffRoles.Compliance));
        var notFromTheProvider = await Assert.ThrowsAsync<RpcException>(() => new ExportService.ExportServiceClient(offlineKey).ListBatchesAsync(new ListBatchesRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, notFromTheProvider.StatusCode);
    }

    [Fact]
    public async Task RolesAreReadFromTheConfiguredClaim()
    {
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { [AccessExtensions.RoleClaimTypeSetting] = "groups" });

        using (var inGroups = service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Compliance], roleClaim: "groups")))
        {
            Assert.Empty((await new ExportService.ExportServiceClient(inGroups).ListBatchesAsync(new ListBatchesRequest())).Batches);
        }

        using var inRole = service.CreateChannelWithToken(TestTokens.Mint([StaffRoles.Compliance], roleClaim: "role"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => new ExportService.ExportServiceClient(inRole).ListBatchesAsync(new ListBatchesRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }
}
