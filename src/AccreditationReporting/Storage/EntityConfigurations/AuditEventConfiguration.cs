using System.Text.Json;
using AccreditationReporting.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> entry)
    {
        entry.ToTable("audit_events");
        entry.HasKey(e => e.Id);

        // Numbered by the writer under the trail's lock (last + 1), not by a sequence: a gap is a deleted entry.
        entry.Property(e => e.Id).ValueGeneratedNever();
        entry.HasIndex(e => e.At);
        entry.HasIndex(e => new { e.Action, e.Id });
        entry.HasIndex(e => new { e.Target, e.Id });
        entry.HasIndex(e => new { e.ActorSubject, e.Id });
        entry.Property(e => e.ActorSubject).HasMaxLength(AuditActor.MaxLength);
        entry.Property(e => e.ActorName).HasMaxLength(AuditActor.MaxLength);
        entry.Property(e => e.ActorClient).HasMaxLength(AuditActor.MaxLength);
        entry.Property(e => e.Peer).HasMaxLength(64);
        entry.Property(e => e.Action).HasMaxLength(60);
        entry.Property(e => e.Target).HasMaxLength(200);
        entry.Property(e => e.Outcome).HasMaxLength(40);
        entry.Property(e => e.Sha256).HasMaxLength(64);
        entry.Property(e => e.PreviousHash).HasMaxLength(64);
        entry.Property(e => e.Hash).HasMaxLength(64);
        entry.Property(e => e.Details)
            .HasColumnType("jsonb")
            .HasConversion(
                value => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null),
                json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (left, right) => JsonSerializer.Serialize(left, (JsonSerializerOptions?)null) == JsonSerializer.Serialize(right, (JsonSerializerOptions?)null),
                    value => value.Count,
                    value => new Dictionary<string, string>(value)));
    }
}
