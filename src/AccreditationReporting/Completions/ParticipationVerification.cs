using System.Data;
using AccreditationReporting.Credits;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AccreditationReporting.Completions;

/// <summary>Who an auditor asks about: a learner ID, or the last name and birth month and day PARS knows a physician by.</summary>
public abstract record LearnerToVerify
{
    public sealed record ById(string LearnerId) : LearnerToVerify;

    /// <summary>Last names compare case-insensitively; a learner matches when any of their profiles does.</summary>
    public sealed record ByName(string LastName, int BirthMonth, int BirthDay) : LearnerToVerify;
}

/// <summary>The activity an auditor asks about, by the provider's ID or ACCME's.</summary>
public abstract record ActivityToVerify
{
    public sealed record ById(string ActivityId) : ActivityToVerify;

    public sealed record ByAccmeId(string AccmeActivityId) : ActivityToVerify;
}

/// <summary>One current completion of the activity by a matching learner, with the name it was collected under.</summary>
public sealed record VerifiedParticipation(
    long LearnerKey, string FirstName, string LastName, string ActivityId, string? AccmeActivityId, string ActivityTitle,
    DateOnly ActivityEndDate, DateOnly CompletedOn, IReadOnlyList<VerifiedCredit> Credits);

public sealed record VerifiedCredit(CreditType CreditType, string? Board, string? MocCreditType, decimal Claimed, decimal Awarded);

/// <summary>
/// Participation verification for ACCME's auditors: did this physician complete this activity, when,
/// and what credit did they claim and get. The provider must be able to answer for 6 years from the
/// activity date (ACCME, attendance records retention) and keeps exactly this record when a learner
/// is erased (GDPR Art. 17(3)(b)), so erased learners still verify. After the 6 years the answer is
/// "not found" whether or not the retention purge has deleted the rows yet: the purpose that
/// justified keeping them has ended.
/// </summary>
public sealed class ParticipationVerification(ReportingDbContext db, TimeProvider time)
{
    public const int RetentionYears = 6;

    /// <summary>Newest completion first; empty when nothing matches inside the retention period.</summary>
    public async Task<List<VerifiedParticipation>> VerifyAsync(LearnerToVerify learner, ActivityToVerify activity, CancellationToken cancellationToken)
    {
        // The activity's end date, the last day it could be completed, starts the 6 years: answered
        // through end_date + 6 years inclusive, in UTC.
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var earliestEndDate = today.AddYears(-RetentionYears);

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // The matching learners first (by the learner ID, or by any of their profiles: a learner
            // may have one per policy), then their completions of the activity. Last names fold case
            // by Unicode's rules (ICU's root locale), not the database's LC_CTYPE: under the C locale
            // lower() folds ASCII only, and "MÜLLER" would not find "Müller".
            await using var command = SqlCommands.Create(
                connection,
                """
                WITH matched AS (
                    SELECT l.id FROM accreditation.learners l WHERE l.learner_id = $1
                    UNION
                    SELECT q.learner_key FROM accreditation.learner_profiles q
                    WHERE lower(q.last_name COLLATE "und-x-icu") = lower($2 COLLATE "und-x-icu") AND q.birth_month = $3 AND q.birth_day = $4
                )
                SELECT c.id AS completion_id, c.learner_key, c.completed_on, p.first_name, p.last_name,
                    a.activity_id, a.accme_activity_id, a.title, a.end_date,
                    w.credit_type, w.board, w.moc_credit_type, w.claimed, w.awarded
                FROM matched m
                JOIN accreditation.completions c ON c.learner_key = m.id
                JOIN accreditation.activities a ON a.id = c.activity_key
                LEFT JOIN accreditation.learner_profiles p ON p.learner_key = c.learner_key AND p.policy_version = c.policy_version
                LEFT JOIN accreditation.credit_awards w ON w.completion_id = c.id
                WHERE c.superseded_by IS NULL
                    AND (a.activity_id = $5 OR a.accme_activity_id = $6)
                    AND a.end_date >= $7
                ORDER BY c.completed_on DESC, c.id DESC, w.id
                """,
                Text((learner as LearnerToVerify.ById)?.LearnerId),
                Text((learner as LearnerToVerify.ByName)?.LastName),
                Number((learner as LearnerToVerify.ByName)?.BirthMonth),
                Number((learner as LearnerToVerify.ByName)?.BirthDay),
                Text((activity as ActivityToVerify.ById)?.ActivityId),
                Text((activity as ActivityToVerify.ByAccmeId)?.AccmeActivityId),
                earliestEndDate);

            var found = new List<VerifiedParticipation>();
            long? current = null;
            var credits = new List<VerifiedCredit>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var completionId = reader.GetFieldValue<long>("completion_id");
                if (completionId != current)
                {
                    current = completionId;
                    credits = [];
                    found.Add(new VerifiedParticipation(
                        reader.GetFieldValue<long>("learner_key"),
                        reader.TextOrNull("first_name") ?? string.Empty,
                        reader.TextOrNull("last_name") ?? string.Empty,
                        reader.GetFieldValue<string>("activity_id"),
                        reader.TextOrNull("accme_activity_id"),
                        reader.GetFieldValue<string>("title"),
                        reader.GetFieldValue<DateOnly>("end_date"),
                        reader.GetFieldValue<DateOnly>("completed_on"),
                        credits));
                }

                if (reader.TextOrNull("credit_type") is { } creditType)
                {
                    credits.Add(new VerifiedCredit(
                        Enum.Parse<CreditType>(creditType),
                        reader.TextOrNull("board"),
                        reader.TextOrNull("moc_credit_type"),
                        reader.GetFieldValue<decimal>("claimed"),
                        reader.GetFieldValue<decimal>("awarded")));
                }
            }

            return found;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Number(int? value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)value ?? DBNull.Value };
}
