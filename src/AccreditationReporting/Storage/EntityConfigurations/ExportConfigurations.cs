using AccreditationReporting.Exports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class ExportBatchConfiguration : IEntityTypeConfiguration<ExportBatch>
{
    public void Configure(EntityTypeBuilder<ExportBatch> batch)
    {
        batch.ToTable("export_batches");
        batch.HasKey(b => b.Id);
        batch.Property(b => b.Id).UseIdentityAlwaysColumn();
        batch.HasIndex(b => new { b.Recipient, b.Id });
        batch.Property(b => b.Recipient).HasMaxLength(60);
        batch.Property(b => b.Trigger).HasMaxLength(20);
        batch.Property(b => b.FileName).HasMaxLength(200);
        batch.Property(b => b.ContentType).HasMaxLength(60);
        batch.Property(b => b.Sha256).HasMaxLength(64);
        batch.Property(b => b.Fields).HasJsonbConversion();
        batch.Property(b => b.Headers).HasJsonbConversion();
        batch.Property(b => b.Exclusions).HasJsonbConversion();
        batch.Property(b => b.DeliveryStatus).HasConversion<string>().HasMaxLength(20);
        batch.Property(b => b.LastDeliveryError).HasMaxLength(200);
        batch.Property(b => b.DeliveredTo).HasMaxLength(300);
        batch.Property(b => b.OriginalSha256).HasMaxLength(64);
        batch.HasMany(b => b.Submissions).WithOne().HasForeignKey(s => s.BatchId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ExportSubmissionConfiguration : IEntityTypeConfiguration<ExportSubmission>
{
    public void Configure(EntityTypeBuilder<ExportSubmission> submission)
    {
        submission.ToTable("export_submissions");
        submission.HasKey(s => s.Id);
        submission.Property(s => s.Id).UseIdentityAlwaysColumn();
        submission.Property(s => s.Method).HasMaxLength(200);
        submission.Property(s => s.SubmittedBy).HasMaxLength(200);
        submission.Property(s => s.Outcome).HasConversion<string>().HasMaxLength(30);
        submission.Property(s => s.RecipientResponse).HasMaxLength(2000);
    }
}

internal sealed class ExportLineConfiguration : IEntityTypeConfiguration<ExportLine>
{
    public void Configure(EntityTypeBuilder<ExportLine> line)
    {
        line.ToTable("export_lines");

        // A completion is added, deleted, counted or left out at most once per recipient and batch. A
        // rectified completion is deleted and added again in a later batch: a recipient holds it
        // while it has more Add lines than Delete lines.
        line.HasKey(l => new { l.Recipient, l.CompletionId, l.Action, l.BatchId });

        // A batch's lines are inserted together, so a block-range index finds them at almost no
        // cost to the insert; a b-tree here added a fifth to a million-line batch (docs/benchmarks.md).
        line.HasIndex(l => l.BatchId).HasMethod("brin");
        line.Property(l => l.Recipient).HasMaxLength(60);
        line.Property(l => l.Action).HasMaxLength(10);
        line.Property(l => l.Reason).HasMaxLength(40);

        // No foreign keys: the only writer is the batch statement, which takes its completions from
        // the completions table and its batch ID from the row it just inserted, and neither table
        // ever loses a row. A key check per line (which also locks each completion) tripled the
        // time of a million-line batch.
    }
}

internal sealed class ExportFileChunkConfiguration : IEntityTypeConfiguration<ExportFileChunk>
{
    public void Configure(EntityTypeBuilder<ExportFileChunk> chunk)
    {
        chunk.ToTable("export_file_chunks");
        chunk.HasKey(c => new { c.BatchId, c.ChunkNo });
        chunk.HasOne<ExportBatch>().WithMany().HasForeignKey(c => c.BatchId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ScheduledRunConfiguration : IEntityTypeConfiguration<ScheduledRun>
{
    public void Configure(EntityTypeBuilder<ScheduledRun> run)
    {
        run.ToTable("scheduled_runs");
        run.HasKey(r => new { r.Recipient, r.Occurrence });
        run.Property(r => r.Recipient).HasMaxLength(60);
        run.Property(r => r.ClaimedBy).HasMaxLength(200);
        run.HasOne<ExportBatch>().WithMany().HasForeignKey(r => r.BatchId).OnDelete(DeleteBehavior.Restrict);
    }
}
