using AccreditationReporting.Completions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class CompletionConfiguration : IEntityTypeConfiguration<Completion>
{
    public void Configure(EntityTypeBuilder<Completion> completion)
    {
        completion.ToTable("completions");
        completion.HasKey(c => c.Id);
        completion.Property(c => c.Id).UseIdentityAlwaysColumn();
        completion.HasIndex(c => c.EventId).IsUnique();
        completion.HasIndex(c => new { c.LearnerKey, c.ActivityKey });

        // The console counts what arrived since a recipient's last batch and per day. Rows arrive in
        // time order, so a BRIN index answers those ranges for a few pages and costs ingestion nearly nothing.
        completion.HasIndex(c => c.ReceivedAt).HasMethod("brin");
        completion.Property(c => c.PolicyVersion).HasMaxLength(80);
        completion.Property(c => c.AssessmentScore).HasPrecision(5, 2);
        completion.HasOne<Completion>().WithMany().HasForeignKey(c => c.SupersededBy).OnDelete(DeleteBehavior.Restrict);
        completion.HasOne(c => c.Learner).WithMany().HasForeignKey(c => c.LearnerKey).OnDelete(DeleteBehavior.Restrict);
        completion.HasOne(c => c.Activity).WithMany().HasForeignKey(c => c.ActivityKey).OnDelete(DeleteBehavior.Restrict);
        completion.HasMany(c => c.Awards).WithOne().HasForeignKey(c => c.CompletionId).OnDelete(DeleteBehavior.Cascade);
    }
}
