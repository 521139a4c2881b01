using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AccreditationReporting.Ingestion;

public enum StoreOutcome
{
    Stored,
    Duplicate,
}

/// <summary>
/// Stores an accepted completion exactly once: the inbox row and the records it implies commit in
/// one transaction, so a redelivery either finds the inbox row (and does nothing) or finds nothing
/// stored at all (and stores everything).
/// </summary>
public sealed class CompletionStore(ReportingDbContext db, TimeProvider time)
{
    public async Task<StoreOutcome> StoreAsync(AcceptedCompletion accepted, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (learner, activity, completion) = accepted;

        // A concurrent copy of the same event blocks here on the primary key until the first
        // commits, then inserts nothing.
        var firstTime = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO accreditation.processed_events (event_id, consumed_at)
            VALUES ({completion.EventId}, {time.GetUtcNow()})
            ON CONFLICT (event_id) DO NOTHING
            """,
            cancellationToken);
        if (firstTime == 0)
        {
            return StoreOutcome.Duplicate;
        }

        // Events arrive in any order: a profile only moves forward in event time.
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO accreditation.learners AS l (learner_id, first_name, last_name, email, birth_month, birth_day,
                birth_year, profession, country, npi, license_state, license_id, boards, profile_as_of)
            VALUES ({learner.LearnerId}, {learner.FirstName}, {learner.LastName}, {learner.Email}, {learner.BirthMonth},
                {learner.BirthDay}, {learner.BirthYear}, {learner.Profession.ToString()}, {learner.Country}, {learner.Npi},
                {learner.LicenseState}, {learner.LicenseId}, {Jsonb(StoredJson.Serialize(learner.Boards))}, {learner.ProfileAsOf})
            ON CONFLICT (learner_id) DO UPDATE SET
                first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
                birth_month = excluded.birth_month, birth_day = excluded.birth_day, birth_year = excluded.birth_year,
                profession = excluded.profession, country = excluded.country, npi = excluded.npi,
                license_state = excluded.license_state, license_id = excluded.license_id, boards = excluded.boards,
                profile_as_of = excluded.profile_as_of
            WHERE l.profile_as_of <= excluded.profile_as_of
            """,
            cancellationToken);

        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO accreditation.activities AS a (activity_id, title, format, start_date, end_date, accme_activity_id,
                eaccme_event_code, ama_pra_category1_credits, ecmec_credits, moc_designations, passing_score,
                joint_provider, details_as_of)
            VALUES ({activity.ActivityId}, {activity.Title}, {activity.Format}, {activity.StartDate}, {activity.EndDate},
                {activity.AccmeActivityId}, {activity.EaccmeEventCode}, {activity.AmaPraCategory1Credits},
                {activity.EcmecCredits}, {Jsonb(StoredJson.Serialize(activity.MocDesignations))}, {activity.PassingScore},
                {activity.JointProvider}, {activity.DetailsAsOf})
            ON CONFLICT (activity_id) DO UPDATE SET
                title = excluded.title, format = excluded.format, start_date = excluded.start_date,
                end_date = excluded.end_date, accme_activity_id = excluded.accme_activity_id,
                eaccme_event_code = excluded.eaccme_event_code,
                ama_pra_category1_credits = excluded.ama_pra_category1_credits, ecmec_credits = excluded.ecmec_credits,
                moc_designations = excluded.moc_designations, passing_score = excluded.passing_score,
                joint_provider = excluded.joint_provider, details_as_of = excluded.details_as_of
            WHERE a.details_as_of <= excluded.details_as_of
            """,
            cancellationToken);

        completion.LearnerKey = await db.Learners.Where(l => l.LearnerId == learner.LearnerId).Select(l => l.Id).SingleAsync(cancellationToken);
        completion.ActivityKey = await db.Activities.Where(a => a.ActivityId == activity.ActivityId).Select(a => a.Id).SingleAsync(cancellationToken);
        db.Completions.Add(completion);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return StoreOutcome.Stored;
    }

    private static NpgsqlParameter Jsonb(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };
}
