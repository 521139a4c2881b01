using AccreditationReporting.Completions;
using AccreditationReporting.Privacy;
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
        learner.Property(l => l.Profession).HasConversion<string>().HasMaxLength(20);
        learner.Property(l => l.Country).HasMaxLength(2).IsFixedLength();
    }
}

internal sealed class LearnerProfileConfiguration : IEntityTypeConfiguration<LearnerProfile>
{
    public void Configure(EntityTypeBuilder<LearnerProfile> profile)
    {
        profile.ToTable("learner_profiles");
        profile.HasKey(p => new { p.LearnerKey, p.PolicyVersion });
        profile.HasOne<Learner>().WithMany().HasForeignKey(p => p.LearnerKey).OnDelete(DeleteBehavior.Cascade);
        profile.Property(p => p.PolicyVersion).HasMaxLength(80);
        profile.Property(p => p.FirstName).HasMaxLength(200);
        profile.Property(p => p.LastName).HasMaxLength(200);
        profile.Property(p => p.Npi).HasMaxLength(10);
        profile.Property(p => p.LicenseState).HasMaxLength(2);
        profile.Property(p => p.LicenseId).HasMaxLength(50);
        profile.Property(p => p.Boards).HasJsonbConversion();

        // Participation verification finds a learner by last name and birth month and day.
        profile.HasIndex(p => new { p.LastName, p.BirthMonth, p.BirthDay });
    }
}

internal sealed class ProfileRevisionConfiguration : IEntityTypeConfiguration<ProfileRevision>
{
    public void Configure(EntityTypeBuilder<ProfileRevision> revision)
    {
        revision.ToTable("profile_revisions");
        revision.HasKey(r => r.Id);
        revision.Property(r => r.Id).UseIdentityAlwaysColumn();
        revision.HasIndex(r => new { r.LearnerKey, r.PolicyVersion });
        revision.HasOne<Learner>().WithMany().HasForeignKey(r => r.LearnerKey).OnDelete(DeleteBehavior.Cascade);
        revision.Property(r => r.PolicyVersion).HasMaxLength(80);
        revision.Property(r => r.Cause).HasMaxLength(20);

        // The writing transaction's ID (xid8) is a column the migration adds and EF never maps: a
        // batch compares it with the snapshot it read profiles in, which no clock comparison can do.
    }
}
