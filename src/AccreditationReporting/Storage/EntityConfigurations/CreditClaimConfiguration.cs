using AccreditationReporting.Completions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class CreditClaimConfiguration : IEntityTypeConfiguration<CreditClaim>
{
    public void Configure(EntityTypeBuilder<CreditClaim> claim)
    {
        claim.ToTable("credit_claims");
        claim.HasKey(c => c.Id);
        claim.Property(c => c.Id).UseIdentityAlwaysColumn();
        claim.Property(c => c.CreditType).HasConversion<string>().HasMaxLength(30);
        claim.Property(c => c.Amount).HasPrecision(6, 2);
        claim.Property(c => c.Board).HasMaxLength(50);
        claim.Property(c => c.MocCreditType).HasMaxLength(100);
    }
}
