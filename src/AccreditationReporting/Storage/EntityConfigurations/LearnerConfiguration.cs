using AccreditationReporting.Completions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class LearnerConfiguration : IEntityTypeConfiguration<Learner>
{
    public void Configure(EntityTypeBuilder<Learner> learner)
    {
        learner.ToTable("learners");
        learner.HasKey(l => l.Id);
        learner.Property(l => l.Id).UseIdentityAlwaysColumn();
        learner.HasIndex(l => l.LearnerId).IsUnique();
        learner.Property(l => l.LearnerId).HasMaxLength(ExternalId.MaxLength);
        learner.Property(l => l.FirstName).HasMaxLength(200);
        learner.Property(l => l.LastName).HasMaxLength(200);
        learner.Property(l => l.Email).HasMaxLength(320);
        learner.Property(l => l.Profession).HasConversion<string>().HasMaxLength(20);
        learner.Property(l => l.Country).HasMaxLength(2).IsFixedLength();
        learner.Property(l => l.Npi).HasMaxLength(10);
        learner.Property(l => l.LicenseState).HasMaxLength(2);
        learner.Property(l => l.LicenseId).HasMaxLength(50);
        learner.Property(l => l.Boards).HasJsonbConversion();
    }
}
