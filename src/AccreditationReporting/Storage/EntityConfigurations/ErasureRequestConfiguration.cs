using AccreditationReporting.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class ErasureRequestConfiguration : IEntityTypeConfiguration<ErasureRequest>
{
    public void Configure(EntityTypeBuilder<ErasureRequest> request)
    {
        request.ToTable("erasure_requests");
        request.HasKey(r => r.Id);
        request.Property(r => r.Id).UseIdentityAlwaysColumn();
        request.HasIndex(r => r.LearnerKey);
        request.Property(r => r.RequestReference).HasMaxLength(ErasureRequest.MaxReferenceLength);
        request.Property(r => r.Actor).HasMaxLength(ErasureRequest.MaxActorLength);
        request.Property(r => r.LegalBasis).HasMaxLength(500);
    }
}
