using System.Security.Cryptography;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AccreditationReporting.Tests.Audit;

/// <summary>
/// The chain key is rotated by retiring it: entries written before stay verifiable with the retired
/// key, new ones are keyed with the new key, and a retired key cannot key an entry written after it.
/// </summary>
public sealed class AuditKeyRotationTests
{
    private static readonly byte[] Retired = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Current = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task EntriesBeforeTheRotationVerifyWithTheRetiredKeyAndAfterItOnlyWithTheNewOne()
    {
        string postgres, endpoint;
        await using (var before = await ReportingService.StartAsync(useRabbitMq: false, settings: Keys(Retired)))
        {
            (postgres, endpoint) = (before.PostgresConnectionString, before.EndpointName);
            await ListBatchesAsync(before, times: 3);
        }

        // Rotated: the new key is current, the old one retired.
        await using (var rotated = await ReportingService.StartAsync(useRabbitMq: false, settings: Keys(Current, Retired), postgres: postgres, endpointName: endpoint))
        {
            await ListBatchesAsync(rotated, times: 3);
            var intact = await VerifyAsync(rotated);
            Assert.True(intact.Intact, intact.Problem);
            Assert.Equal(6, intact.EntriesChecked);
            var firstAfter = await rotated.Database.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events WHERE id > 3");

            // Entries written after the rotation, re-keyed and re-linked with the retired key (which
            // may have leaked: that is why it was rotated), are refused though the key is still
            // configured: once the chain has moved to the new key, no older one keys what follows.
            await RekeyFromAsync(rotated, firstAfter + 1, Retired);
            var forged = await VerifyAsync(rotated);
            Assert.False(forged.Intact);
            Assert.Equal(firstAfter + 1, forged.FirstBrokenId);
            Assert.Contains("or a newer one", forged.Problem, StringComparison.Ordinal);
        }

        // Without the retired key the entries it keyed can no longer be told from forgeries.
        await using var forgotten = await ReportingService.StartAsync(useRabbitMq: false, settings: Keys(Current), postgres: postgres, endpointName: endpoint);
        var broken = await VerifyAsync(forgotten);
        Assert.Equal((false, 1L), (broken.Intact, broken.FirstBrokenId));
    }

    [Fact]
    public void ARetiredKeyThatIsNotBase64OfThirtyTwoBytesStopsTheStartNamingIt()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AuditChainKey.Setting] = Convert.ToBase64String(Current),
            [$"{AuditChainKey.RetiredSetting}:0"] = Convert.ToBase64String(new byte[16]),
        }).Build();

        var problem = Assert.Throws<AccreditationReporting.Hosting.StartupProblemException>(() => AuditChainKey.Read(settings, allowDevelopmentKey: false));

        Assert.Contains("Audit:RetiredChainKeys:0", problem.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Keys(byte[] current, params byte[][] retired)
    {
        var settings = new Dictionary<string, string?> { [AuditChainKey.Setting] = Convert.ToBase64String(current) };
        for (var i = 0; i < retired.Length; i++)
        {
            settings[$"{AuditChainKey.RetiredSetting}:{i}"] = Convert.ToBase64String(retired[i]);
        }

        return settings;
    }

    private static async Task ListBatchesAsync(ReportingService service, int times)
    {
        using var channel = service.CreateChannel(StaffRoles.Compliance);
        var exports = new ExportService.ExportServiceClient(channel);
        for (var i = 0; i < times; i++)
        {
            await exports.ListBatchesAsync(new ListBatchesRequest());
        }
    }

    private static async Task<VerifyAuditTrailResponse> VerifyAsync(ReportingService service)
    {
        using var channel = service.CreateChannel(StaffRoles.Auditor);
        return await new AuditService.AuditServiceClient(channel).VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
    }

    /// <summary>Re-keys and re-links every entry from <paramref name="from"/> on with <paramref name="key"/>, as an owner past the trigger.</summary>
    private static async Task RekeyFromAsync(ReportingService service, long from, byte[] key)
    {
        using var scope = service.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AccreditationReporting.Storage.ReportingDbContext>();
        var entries = await db.AuditEvents.AsNoTracking().Where(e => e.Id >= from - 1).OrderBy(e => e.Id).ToListAsync();
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute("ALTER TABLE accreditation.audit_events DISABLE TRIGGER audit_events_append_only");
        var previous = entries[0].Hash;
        foreach (var entry in entries.Skip(1))
        {
            var hash = AuditChain.Hash(key, previous, entry);
            await Execute("UPDATE accreditation.audit_events SET previous_hash = @previous, hash = @hash WHERE id = @id", ("previous", previous), ("hash", hash), ("id", entry.Id));
            previous = hash;
        }

        await Execute("ALTER TABLE accreditation.audit_events ENABLE TRIGGER audit_events_append_only");
        await transaction.CommitAsync();

        async Task Execute(string sql, params (string Name, object Value)[] parameters)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            await command.ExecuteNonQueryAsync();
        }
    }
}
