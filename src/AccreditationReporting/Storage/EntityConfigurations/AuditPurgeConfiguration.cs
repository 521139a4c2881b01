using AccreditationReporting.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class AuditPurgeConfiguration : IEntityTypeConfiguration<AuditPurge>
{
    public void Configure(EntityTypeBuilder<AuditPurge> purge)
    {
        purge.ToTable("audit_purges");
        purge.HasKey(p => p.Id);
        purge.Property(p => p.Id).UseIdentityAlwaysColumn();
        purge.Property(p => p.LastHash).HasMaxLength(64);
    }
}
