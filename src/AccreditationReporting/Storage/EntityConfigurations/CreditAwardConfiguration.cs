using AccreditationReporting.Credits;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class CreditAwardConfiguration : IEntityTypeConfiguration<CreditAward>
{
    public void Configure(EntityTypeBuilder<CreditAward> award)
    {
        award.ToTable("credit_awards");
        award.HasKey(a => a.Id);
        award.Property(a => a.Id).UseIdentityAlwaysColumn();
        award.HasIndex(a => a.CompletionId);
        award.Property(a => a.CreditType).HasConversion<string>().HasMaxLength(30);
        award.Property(a => a.Claimed).HasPrecision(6, 2);
        award.Property(a => a.Awarded).HasPrecision(6, 2);
        award.Property(a => a.Board).HasMaxLength(50);
        award.Property(a => a.MocCreditType).HasMaxLength(100);
        award.Property(a => a.NotAwardedReason).HasMaxLength(40);
    }
}
