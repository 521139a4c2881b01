using System.Data;
using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What one purge run deleted, added up over its transactions.</summary>
/// <param name="Chunks">The transactions that deleted verification records, each recorded by its own audit entry.</param>
/// <param name="Failed">The parts that failed (<see cref="RetentionPurge.RecordsPart"/> and the others); what the rest deleted stays.</param>
public sealed record RetentionRun(
    RetentionCutoffs Cutoffs, int BatchFileMonths, VerificationRecordsPurged Records, int Chunks, int BatchFiles, AuditTrailPurged? AuditTrail,
    IReadOnlyList<string> Failed);

/// <summary>
/// One run of the retention purge: verification records, batch files and the oldest audit entries
/// past their retention. Each part commits on its own, with its own <c>retention.purge</c> audit
/// entry, so what went is recorded and a failure loses only its own part: the verification records
/// in chunks of <see cref="RetentionSettings.ChunkLearners"/> learners, one transaction each; the
/// batch files in one; the audit trail in one. One instance at a time: a run that finds another one
/// under way skips.
/// </summary>
/// <remarks>Rejected messages' payloads are purged hourly by <see cref="Ingestion.RejectedPayloadRetention"/>.</remarks>
internal sealed class RetentionPurge(
    ReportingDbContext db, RetentionSettings settings, ExportCatalog catalog, AuditChainKey key, TimeProvider time, ServiceMetrics metrics,
    ILogger<RetentionPurge> logger)
{
    public static readonly AuditActor Actor = AuditActor.Service("retention-purge");

    /// <summary>The <c>part</c> of a run an audit entry records.</summary>
    public const string RecordsPart = "verification-records", FilesPart = "batch-files", AuditTrailPart = "audit-trail";

    /// <summary>The outcome of the entry that records a part that failed.</summary>
    public const string Failed = "failed";

    /// <summary>What the run deleted; null when another instance's run held the lock and this one skipped.</summary>
    public async Task<RetentionRun?> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoffs = settings.Cutoffs(now);

        // A connection of its own without a command timeout: the first run on an old database deletes
        // years of batch files and audit entries at once.
        var connectionString = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { CommandTimeout = 0 }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // Every instance runs the schedule; the lock lets one of them work. A session lock, as the
        // run is several transactions: released at the end, or by PostgreSQL if the connection drops.
        // (Released explicitly: a pooled connection would keep it until its next use.)
        if (!await SqlCommands.ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(hashtextextended('retention-purge', 0))", cancellationToken))
        {
            logger.LogInformation("Retention purge skipped: another instance is running it");
            return null;
        }

        try
        {
            var run = new Run(connection, now, cutoffs);
            await PartAsync(run, RecordsPart, () => PurgeRecordsAsync(run, cancellationToken));
            await PartAsync(run, FilesPart, () => PurgeFilesAsync(run, cancellationToken));
            await PartAsync(run, AuditTrailPart, () => PurgeAuditTrailAsync(run, cancellationToken));

            // Counts only: what was deleted is nobody's business, now least of all.
            var records = run.Records;
            logger.LogInformation(
                "Retention purge: {Completions} completions, {CreditAwards} credit awards, {ExportLines} export lines, {LearnerProfiles} learner profiles, {ProfileRevisions} profile revisions, {Learners} learners in {Chunks} chunks ({Skipped} learners held by others, left for the next run), {BatchFiles} batch files, {AuditEntries} audit entries; failed: {Failed}",
                records.Completions, records.CreditAwards, records.ExportLines, records.LearnerProfiles, records.ProfileRevisions, records.Learners,
                run.Chunks, records.LearnersSkipped, run.BatchFiles, run.AuditTrail?.Entries ?? 0, run.Failed.Count == 0 ? "none" : string.Join(", ", run.Failed));
            return new RetentionRun(cutoffs, settings.BatchFileMonths, records, run.Chunks, run.BatchFiles, run.AuditTrail, run.Failed);
        }
        finally
        {
            if (connection.State == ConnectionState.Open)
            {
                await SqlCommands.ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtextextended('retention-purge', 0))", CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Chunk by chunk, each in its own transaction: every recipient's export batch lock first (the
    /// chunk waits for batches in progress, holding no learner meanwhile), then the chunk's learners.
    /// </summary>
    private async Task PurgeRecordsAsync(Run run, CancellationToken cancellationToken)
    {
        var endedBefore = run.Cutoffs.ActivitiesEndedBefore;
        var learners = await VerificationRecords.LearnersWithExpiredRecordsAsync(run.Connection, endedBefore, cancellationToken);
        foreach (var chunk in learners.Chunk(settings.ChunkLearners))
        {
            await using var transaction = await run.Connection.BeginTransactionAsync(cancellationToken);
            var recipients = await Exports.ExportBatchLocks.TakeAllAsync(run.Connection, catalog.Exports.Keys, cancellationToken);
            var purged = await VerificationRecords.PurgeChunkAsync(run.Connection, chunk, endedBefore, recipients, cancellationToken);
            if (purged.LearnersSkipped < chunk.Length)
            {
                var details = run.Details(RecordsPart);
                details["activities_ended_before"] = endedBefore.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                details["chunk"] = Count(run.Chunks + 1);
                details["completions"] = Count(purged.Completions);
                details["credit_awards"] = Count(purged.CreditAwards);
                details["export_lines"] = Count(purged.ExportLines);
                details["learner_profiles"] = Count(purged.LearnerProfiles);
                details["profile_revisions"] = Count(purged.ProfileRevisions);
                details["learners"] = Count(purged.Learners);
                details["learners_skipped"] = Count(purged.LearnersSkipped);
                await AppendAsync(run.Connection, AuditOutcomes.Ok, details, cancellationToken);
                run.Chunks++;
            }

            await transaction.CommitAsync(cancellationToken);
            run.Records = run.Records.Plus(purged);
        }
    }

    private async Task PurgeFilesAsync(Run run, CancellationToken cancellationToken)
    {
        await using var transaction = await run.Connection.BeginTransactionAsync(cancellationToken);
        await Exports.ExportBatchLocks.TakeAllAsync(run.Connection, catalog.Exports.Keys, cancellationToken);
        var files = await BatchFilePurge.PurgeAsync(run.Connection, settings.BatchFileMonths, run.Now, cancellationToken);
        var details = run.Details(FilesPart);
        details["batch_file_months"] = Count(settings.BatchFileMonths);
        details["batch_files"] = Count(files);
        await AppendAsync(run.Connection, AuditOutcomes.Ok, details, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        run.BatchFiles = files;
    }

    /// <summary>
    /// The entry repeats the audit anchor's values: it is keyed like the rest of the chain, so the
    /// verifier can tell an anchor the purge wrote from one written later by someone without the key
    /// (<see cref="AuditVerifier"/>). Both commit together or not at all.
    /// </summary>
    private async Task PurgeAuditTrailAsync(Run run, CancellationToken cancellationToken)
    {
        await using var transaction = await run.Connection.BeginTransactionAsync(cancellationToken);
        var purged = await AuditTrailPurge.PurgeAsync(run.Connection, run.Cutoffs.AuditEntriesBefore, cancellationToken);
        var details = run.Details(AuditTrailPart);
        details["audit_entries_before"] = run.Cutoffs.AuditEntriesBefore.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        details["audit_entries"] = Count(purged?.Entries ?? 0);
        if (purged is not null)
        {
            details[AuditVerifier.PurgedThroughDetail] = Count(purged.PurgedThrough);
            details[AuditVerifier.LastHashDetail] = purged.LastHash;
        }

        await AppendAsync(run.Connection, AuditOutcomes.Ok, details, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        run.AuditTrail = purged;
    }

    /// <summary>
    /// A part that fails (a deadlock, a refused statement, a timeout) rolls back alone; the parts
    /// before it stay committed and the next one runs. The next run finds what this one did not delete.
    /// </summary>
    private async Task PartAsync(Run run, string part, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            if (run.Connection.State != ConnectionState.Open)
            {
                // The connection went, and the run's lock with it: another instance may be running now.
                throw;
            }

            // The SQLSTATE or the exception's type only: a message can quote a value.
            var error = e is PostgresException postgres ? postgres.SqlState : e.GetType().Name;
            run.Failed.Add(part);
            logger.LogWarning("Retention purge: {Part} failed ({Error}); what the run deleted before stays, the next run purges the rest", part, error);
            try
            {
                await using var transaction = await run.Connection.BeginTransactionAsync(CancellationToken.None);
                var details = run.Details(part);
                details["error"] = error;
                await AppendAsync(run.Connection, Failed, details, CancellationToken.None);
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception recording) when (recording is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Retention purge: the failure of {Part} could not be recorded in the audit trail ({Error})", part, recording.GetType().Name);
            }
        }
    }

    /// <summary>On the purge's own clock (its schedule's), which the trail's scoped writer does not share.</summary>
    private async Task AppendAsync(NpgsqlConnection connection, string outcome, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        await AuditTrail.AppendInTransactionAsync(
            connection, new AuditEntry(Actor, AuditActions.RetentionPurge, outcome) { Details = details }, key, time.GetUtcNow(), cancellationToken);
        metrics.AuditEntry(AuditActions.RetentionPurge, outcome);
    }

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The run's connection and what its parts have done so far.</summary>
    private sealed class Run(NpgsqlConnection connection, DateTimeOffset now, RetentionCutoffs cutoffs)
    {
        public NpgsqlConnection Connection { get; } = connection;

        public DateTimeOffset Now { get; } = now;

        public RetentionCutoffs Cutoffs { get; } = cutoffs;

        public VerificationRecordsPurged Records { get; set; } = VerificationRecordsPurged.None;

        public int Chunks { get; set; }

        public int BatchFiles { get; set; }

        public AuditTrailPurged? AuditTrail { get; set; }

        public List<string> Failed { get; } = [];

        /// <summary>What every entry of the run says: which part, and which run (entries of one run share its start).</summary>
        public Dictionary<string, string> Details(string part) => new(StringComparer.Ordinal)
        {
            ["part"] = part,
            ["run_started_at"] = Now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
