using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What one purge run deleted.</summary>
public sealed record RetentionRun(RetentionCutoffs Cutoffs, int BatchFileMonths, VerificationRecordsPurged Records, int BatchFiles, AuditTrailPurged? AuditTrail);

/// <summary>
/// One run of the retention purge: verification records, batch files and the oldest audit entries
/// past their retention, in one transaction that ends with the run's own audit entry, so what went
/// is recorded or nothing went. One instance at a time: a run that finds another one under way skips.
/// </summary>
/// <remarks>Rejected messages' payloads are purged hourly by <see cref="Ingestion.RejectedPayloadRetention"/>.</remarks>
public sealed class RetentionPurge(
    ReportingDbContext db, RetentionSettings settings, AuditChainKey key, TimeProvider time, ILogger<RetentionPurge> logger)
{
    public static readonly AuditActor Actor = AuditActor.Service("retention-purge");

    /// <summary>What the run deleted; null when another instance's run held the lock and this one skipped.</summary>
    public async Task<RetentionRun?> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoffs = settings.Cutoffs(now);

        // A connection of its own without a command timeout: the first run on an old database deletes
        // years of records at once.
        var connectionString = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { CommandTimeout = 0 }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Every instance runs the schedule; the lock, held until the commit, lets one of them work.
        var mine = await SqlCommands.ScalarAsync<bool>(
            connection, "SELECT pg_try_advisory_xact_lock(hashtextextended('retention-purge', 0))", cancellationToken);
        if (!mine)
        {
            logger.LogInformation("Retention purge skipped: another instance is running it");
            return null;
        }

        var records = await VerificationRecords.PurgeAsync(connection, cutoffs.ActivitiesEndedBefore, cancellationToken);
        var files = await BatchFilePurge.PurgeAsync(connection, settings.BatchFileMonths, now, cancellationToken);
        var audit = await AuditTrailPurge.PurgeAsync(connection, cutoffs.AuditEntriesBefore, cancellationToken);
        var run = new RetentionRun(cutoffs, settings.BatchFileMonths, records, files, audit);

        await AuditTrail.AppendInTransactionAsync(
            connection, new AuditEntry(Actor, AuditActions.RetentionPurge, AuditOutcomes.Ok) { Details = Details(run) }, key, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Counts only: what was deleted is nobody's business, now least of all.
        logger.LogInformation(
            "Retention purge: {Completions} completions, {CreditAwards} credit awards, {ExportLines} export lines, {LearnerProfiles} learner profiles, {ProfileRevisions} profile revisions, {Learners} learners, {BatchFiles} batch files, {AuditEntries} audit entries",
            records.Completions, records.CreditAwards, records.ExportLines, records.LearnerProfiles, records.ProfileRevisions, records.Learners,
            files, audit?.Entries ?? 0);
        return run;
    }

    /// <summary>
    /// The run's audit entry. It also repeats the audit anchor's values: the entry is keyed like the
    /// rest of the chain, so the verifier can tell an anchor the purge wrote from one written later
    /// by someone without the key (<see cref="AuditVerifier"/>).
    /// </summary>
    private static Dictionary<string, string> Details(RetentionRun run)
    {
        static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["activities_ended_before"] = run.Cutoffs.ActivitiesEndedBefore.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["batch_file_months"] = Count(run.BatchFileMonths),
            ["audit_entries_before"] = run.Cutoffs.AuditEntriesBefore.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["completions"] = Count(run.Records.Completions),
            ["credit_awards"] = Count(run.Records.CreditAwards),
            ["export_lines"] = Count(run.Records.ExportLines),
            ["learner_profiles"] = Count(run.Records.LearnerProfiles),
            ["profile_revisions"] = Count(run.Records.ProfileRevisions),
            ["learners"] = Count(run.Records.Learners),
            ["batch_files"] = Count(run.BatchFiles),
            ["audit_entries"] = Count(run.AuditTrail?.Entries ?? 0),
        };
        if (run.AuditTrail is { } audit)
        {
            details[AuditVerifier.PurgedThroughDetail] = Count(audit.PurgedThrough);
            details[AuditVerifier.LastHashDetail] = audit.LastHash;
        }

        return details;
    }
}
