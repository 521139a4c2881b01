using System.Globalization;
using AccreditationReporting.Hosting;
using Cronos;

namespace AccreditationReporting.Retention;

/// <summary>
/// How long each kind of record is kept (<c>Retention:</c>), and when the purge runs. Checked at
/// start-up: a setting that would delete a verification record or audit entry before ACCME's 6 years
/// stops the start rather than purging what the provider must keep.
/// </summary>
/// <param name="VerificationRecordYears">Completions, awards, export lines and the profiles they use,
/// counted from the activity's end date (ACCME keeps attendance records 6 years from the activity).</param>
/// <param name="BatchFileMonths">Batch files, counted from the batch's creation; the batch row stays.</param>
/// <param name="AuditTrailYears">Audit entries, counted from when they were written.</param>
/// <param name="Schedule">When the purge runs (UTC).</param>
/// <param name="ChunkLearners">Learners whose verification records one transaction of the purge deletes
/// (<see cref="RetentionPurge"/>): ingestion, erasure and rectification of a learner wait at most for one chunk.</param>
public sealed record RetentionSettings(int VerificationRecordYears, int BatchFileMonths, int AuditTrailYears, CronExpression Schedule, int ChunkLearners)
{
    public const string Section = "Retention";

    /// <summary>ACCME's attendance records rule: 6 years from the activity date. Nothing the rule covers goes sooner.</summary>
    public const int MinimumYears = 6;

    public const string DefaultSchedule = "0 3 * * *";

    public static RetentionSettings Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var verification = Whole(configuration, "VerificationRecordYears", 6, MinimumYears, "years: ACCME keeps attendance records 6 years from the activity", problems);
        var files = Whole(configuration, "BatchFileMonths", 72, 1, "months", problems);
        var audit = Whole(configuration, "AuditTrailYears", 7, MinimumYears, "years: the trail records who saw the 6-year records", problems);
        var chunk = Whole(configuration, "ChunkLearners", 500, 1, "learners", problems);

        var cron = configuration[$"{Section}:Schedule"] is { Length: > 0 } configured ? configured : DefaultSchedule;
        var format = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if (!CronExpression.TryParse(cron, format, out var schedule))
        {
            problems.Add($"{Section}:Schedule is not a cron expression of five fields (or six, with seconds)");
        }

        return problems.Count == 0
            ? new RetentionSettings(verification, files, audit, schedule!, chunk)
            : throw new StartupProblemException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// What is past its retention at <paramref name="now"/>. A verification record is kept through the
    /// anniversary of the activity's end date and goes the day after; dates are UTC days. (Batch files
    /// are counted forward from each batch, <see cref="BatchFilePurge"/>: a month is not a fixed length.)
    /// </summary>
    public RetentionCutoffs Cutoffs(DateTimeOffset now) => new(
        DateOnly.FromDateTime(now.UtcDateTime).AddYears(-VerificationRecordYears),
        now.ToUniversalTime().AddYears(-AuditTrailYears));

    private static int Whole(IConfiguration configuration, string name, int defaultValue, int minimum, string unit, List<string> problems)
    {
        var value = configuration[$"{Section}:{name}"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultValue;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum)
        {
            return parsed;
        }

        problems.Add($"{Section}:{name} must be a whole number of at least {minimum} {unit}");
        return defaultValue;
    }
}

/// <param name="ActivitiesEndedBefore">Verification records of activities that ended before this day go.</param>
/// <param name="AuditEntriesBefore">Audit entries written before this go (the oldest first, without gaps).</param>
public sealed record RetentionCutoffs(DateOnly ActivitiesEndedBefore, DateTimeOffset AuditEntriesBefore);
