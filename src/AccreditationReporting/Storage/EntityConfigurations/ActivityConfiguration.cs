using AccreditationReporting.Completions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class ActivityConfiguration : IEntityTypeConfiguration<Activity>
{
    public void Configure(EntityTypeBuilder<Activity> activity)
    {
        activity.ToTable("activities");
        activity.HasKey(a => a.Id);
        activity.Property(a => a.Id).UseIdentityAlwaysColumn();
        activity.HasIndex(a => a.ActivityId).IsUnique();
        activity.Property(a => a.ActivityId).HasMaxLength(ExternalId.MaxLength);
        activity.Property(a => a.Title).HasMaxLength(500);
        activity.Property(a => a.Format).HasMaxLength(40);
        activity.Property(a => a.AccmeActivityId).HasMaxLength(50);
        activity.Property(a => a.EaccmeEventCode).HasMaxLength(50);
        activity.Property(a => a.AmaPraCategory1Credits).HasPrecision(6, 2);
        activity.Property(a => a.EcmecCredits).HasPrecision(6, 2);
        activity.Property(a => a.PassingScore).HasPrecision(5, 2);
        activity.Property(a => a.JointProvider).HasMaxLength(200);
        activity.Property(a => a.MocDesignations).HasJsonbConversion();
    }
}
