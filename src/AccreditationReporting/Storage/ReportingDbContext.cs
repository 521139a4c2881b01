using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Credits;
using AccreditationReporting.Exports;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Privacy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Storage;

public sealed class ReportingDbContext(DbContextOptions<ReportingDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string Schema = "accreditation";

    public static DbContextOptionsBuilder UsePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("ef_migrations_history", Schema));

    public DbSet<Learner> Learners => Set<Learner>();
    public DbSet<LearnerProfile> LearnerProfiles => Set<LearnerProfile>();
    public DbSet<ProfileRevision> ProfileRevisions => Set<ProfileRevision>();
    public DbSet<Activity> Activities => Set<Activity>();
    public DbSet<Completion> Completions => Set<Completion>();
    public DbSet<CreditAward> CreditAwards => Set<CreditAward>();
    public DbSet<RejectedEvent> RejectedEvents => Set<RejectedEvent>();
    public DbSet<ProcessedEvent> ProcessedEvents => Set<ProcessedEvent>();
    public DbSet<ExportBatch> ExportBatches => Set<ExportBatch>();
    public DbSet<ExportSubmission> ExportSubmissions => Set<ExportSubmission>();
    public DbSet<ExportLine> ExportLines => Set<ExportLine>();
    public DbSet<ExportFileChunk> ExportFileChunks => Set<ExportFileChunk>();
    public DbSet<ScheduledRun> ScheduledRuns => Set<ScheduledRun>();
    public DbSet<ErasureRequest> ErasureRequests => Set<ErasureRequest>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AuditPurge> AuditPurges => Set<AuditPurge>();

    /// <summary>The console's data-protection keys, shared by every instance (<c>StaffConsole.ConsoleKeys</c>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ReportingDbContext).Assembly);
        SnakeCaseNames.Apply(modelBuilder);
    }
}
