using AccreditationReporting.Ingestion;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class RejectedEventConfiguration : IEntityTypeConfiguration<RejectedEvent>
{
    public void Configure(EntityTypeBuilder<RejectedEvent> rejected)
    {
        rejected.ToTable("rejected_events");
        rejected.HasKey(r => r.Id);
        rejected.Property(r => r.Id).UseIdentityAlwaysColumn();
        rejected.HasIndex(r => r.EventId);
        rejected.HasIndex(r => new { r.Status, r.Id });
        rejected.HasIndex(r => r.PayloadExpiresAt).HasFilter("payload IS NOT NULL");
        rejected.HasIndex(r => new { r.PayloadDigest, r.MessageId }).IsUnique().AreNullsDistinct(false);
        rejected.Property(r => r.Violations).HasJsonbConversion();
        rejected.Property(r => r.RuleCode).HasMaxLength(40);
        rejected.Property(r => r.LearnerId).HasMaxLength(Completions.ExternalId.MaxLength);
        rejected.HasIndex(r => r.LearnerId);
        rejected.Property(r => r.Field).HasMaxLength(200);
        rejected.Property(r => r.ContentType).HasMaxLength(100);
        rejected.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
    }
}
