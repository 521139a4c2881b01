using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Grpc.Core;

namespace AccreditationReporting.Tests.Access;

public sealed class RefusedCallLimitTests
{
    [Fact]
    public async Task APeerRefusedOverAndOverIsRecordedUpToTheLimitAndStillRefused()
    {
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["Audit:RefusedCallsPerPeerPerMinute"] = "3" });
        using var anonymous = service.CreateChannelWithToken(null);
        var exports = new ExportService.ExportServiceClient(anonymous);

        for (var i = 0; i < 10; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => exports.ListBatchesAsync(new ListBatchesRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        Assert.Equal(3L, await service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.audit_events WHERE outcome = 'unauthenticated' AND peer = '127.0.0.1'"));
    }
}
