using AccreditationReporting.Storage;
using Npgsql;
using NpgsqlTypes;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// The set-based statements that store a batch of new events: each table gets one statement (the
/// awards share their completions') that reads column arrays with unnest, so a batch of hundreds
/// costs a handful of statements.
/// </summary>
internal static class CompletionRows
{
    public static void AddStatements(NpgsqlBatch batch, List<AcceptedCompletion> events, DateTimeOffset now)
    {
        var eventIds = events.Select(e => e.Completion.EventId).ToArray();
        var learnerIds = events.Select(e => e.Learner.LearnerId).ToArray();
        var activityIds = events.Select(e => e.Activity.ActivityId).ToArray();

        // Supersession reads the other completions of each learner and activity: a lock per pair
        // (taken in one order) makes concurrent batches see each other's rows instead of racing.
        Add(batch,
            """
            SELECT pg_advisory_xact_lock(k)
            FROM (SELECT DISTINCT hashtextextended(l || '/' || a, 0) AS k FROM unnest($1::text[], $2::text[]) AS t(l, a)) s
            ORDER BY k
            """,
            learnerIds, activityIds);

        AddLearnerUpsert(batch, events, now);
        AddActivityUpsert(batch, events);

        // The awards go in with their completions, which the insert hands over: no lookup of the
        // completions by event ID, which on a table still small enough for a sequential scan read it whole.
        var awards = events.SelectMany(e => e.Completion.Awards.Select(a => (e.Completion.EventId, Award: a))).ToList();
        Add(batch,
            """
            WITH stored AS (
                INSERT INTO accreditation.completions (event_id, learner_key, activity_key, completed_on, occurred_at, received_at,
                    policy_version, assessment_score, evaluation_completed, board_reporting_consent, state_board_reporting_consent)
                SELECT e.event_id, l.id, a.id, e.completed_on, e.occurred_at, e.received_at, e.policy_version, e.assessment_score,
                    e.evaluation_completed, e.board_reporting_consent, e.state_board_reporting_consent
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::timestamptz[], $6::timestamptz[], $7::text[],
                        $8::numeric[], $9::boolean[], $10::boolean[], $11::boolean[])
                    AS e(event_id, learner_id, activity_id, completed_on, occurred_at, received_at, policy_version, assessment_score,
                        evaluation_completed, board_reporting_consent, state_board_reporting_consent)
                JOIN accreditation.learners l ON l.learner_id = e.learner_id
                JOIN accreditation.activities a ON a.activity_id = e.activity_id
                RETURNING id, event_id)
            INSERT INTO accreditation.credit_awards (completion_id, credit_type, board, moc_credit_type, claimed, awarded, not_awarded_reason)
            SELECT s.id, w.credit_type, w.board, w.moc_credit_type, w.claimed, w.awarded, w.not_awarded_reason
            FROM unnest($12::uuid[], $13::text[], $14::text[], $15::text[], $16::numeric[], $17::numeric[], $18::text[])
                WITH ORDINALITY AS w(event_id, credit_type, board, moc_credit_type, claimed, awarded, not_awarded_reason, n)
            JOIN stored s ON s.event_id = w.event_id
            ORDER BY w.n
            """,
            eventIds,
            learnerIds,
            activityIds,
            events.Select(e => e.Completion.CompletedOn).ToArray(),
            events.Select(e => e.Completion.OccurredAt.ToUniversalTime()).ToArray(),
            events.Select(e => e.Completion.ReceivedAt.ToUniversalTime()).ToArray(),
            events.Select(e => e.Completion.PolicyVersion).ToArray(),
            events.Select(e => e.Completion.AssessmentScore).ToArray(),
            events.Select(e => e.Completion.EvaluationCompleted).ToArray(),
            events.Select(e => e.Completion.BoardReportingConsent).ToArray(),
            events.Select(e => e.Completion.StateBoardReportingConsent).ToArray(),
            awards.Select(a => a.EventId).ToArray(),
            awards.Select(a => a.Award.CreditType.ToString()).ToArray(),
            awards.Select(a => a.Award.Board).ToArray(),
            awards.Select(a => a.Award.MocCreditType).ToArray(),
            awards.Select(a => a.Award.Claimed).ToArray(),
            awards.Select(a => a.Award.Awarded).ToArray(),
            awards.Select(a => a.Award.NotAwardedReason).ToArray());

        // Each completion points at the next one of the same learner and activity in event time, so
        // events arriving out of order still give one current completion and a readable history.
        // Erased completions keep the place they had when erased: a completion collected after the
        // learner's erasure starts afresh, and is current even when its event time is older.
        // The batch's pairs come from its learners and activities; each pair's completions are read
        // by a subquery of their own (ordered, so it stays one and is not flattened into a join),
        // an index probe per pair however small the table, rather than a scan of every completion.
        Add(batch,
            """
            WITH pairs AS (
                SELECT DISTINCT l.id AS learner_key, a.id AS activity_key
                FROM unnest($1::text[], $2::text[]) AS e(learner_id, activity_id)
                JOIN accreditation.learners l ON l.learner_id = e.learner_id
                JOIN accreditation.activities a ON a.activity_id = e.activity_id),
            chain AS (
                SELECT c.id, lead(c.id) OVER (PARTITION BY p.learner_key, p.activity_key ORDER BY c.occurred_at, c.id) AS next_id
                FROM pairs p
                CROSS JOIN LATERAL (
                    SELECT c.id, c.occurred_at
                    FROM accreditation.completions c
                    WHERE c.learner_key = p.learner_key AND c.activity_key = p.activity_key AND c.erased_at IS NULL
                    ORDER BY c.occurred_at, c.id) c)
            UPDATE accreditation.completions c
            SET superseded_by = chain.next_id,
                superseded_at = CASE WHEN chain.next_id IS NULL THEN NULL ELSE coalesce(c.superseded_at, $3) END
            FROM chain
            WHERE c.id = chain.id AND c.superseded_by IS DISTINCT FROM chain.next_id
            """,
            learnerIds,
            activityIds,
            now.ToUniversalTime());

        // A publisher may fix an event and send it again under the same ID.
        Add(batch,
            """
            UPDATE accreditation.rejected_events SET status = 'Resolved', resolved_at = $2
            WHERE event_id = ANY($1::uuid[]) AND status = 'Open'
            """,
            eventIds,
            now.ToUniversalTime());
    }

    /// <summary>
    /// The newest description of the learner wins: their profession and country, and, per policy
    /// version, their profile. An erased profile is replaced by any event stored after the erasure,
    /// whatever its event time: that event is a new collection of the learner's data (and only new
    /// events get here; a redelivered old one is a duplicate in the inbox). A newer event that changes
    /// a value recipients may hold records which fields changed (<see cref="Privacy.ProfileRevision"/>),
    /// so what was sent with the old value is corrected.
    /// </summary>
    private static void AddLearnerUpsert(NpgsqlBatch batch, List<AcceptedCompletion> events, DateTimeOffset now)
    {
        var learners = NewestByKey(events.Select(e => e.Learner), l => l.LearnerId, l => l.ProfileAsOf);
        Add(batch,
            """
            INSERT INTO accreditation.learners AS l (learner_id, profession, country, profile_as_of)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
            ON CONFLICT (learner_id) DO UPDATE SET
                profession = excluded.profession, country = excluded.country, profile_as_of = excluded.profile_as_of, erased_at = NULL
            WHERE l.profile_as_of <= excluded.profile_as_of OR l.erased_at IS NOT NULL
            """,
            learners.Select(l => l.LearnerId).ToArray(),
            learners.Select(l => l.Profession.ToString()).ToArray(),
            learners.Select(l => l.Country).ToArray(),
            learners.Select(l => l.ProfileAsOf.ToUniversalTime()).ToArray());

        var profiles = events
            .GroupBy(e => (e.Learner.LearnerId, e.Profile.PolicyVersion))
            .Select(g => g.MaxBy(e => e.Profile.ProfileAsOf)!)
            .OrderBy(e => e.Learner.LearnerId, StringComparer.Ordinal).ThenBy(e => e.Profile.PolicyVersion, StringComparer.Ordinal)
            .ToList();
        Add(batch,
            """
            WITH incoming AS (
                SELECT l.id AS learner_key, e.policy_version, e.first_name, e.last_name, e.birth_month, e.birth_day, e.npi,
                    e.license_state, e.license_id, e.boards, e.profile_as_of
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[],
                        $9::text[], $10::jsonb[], $11::timestamptz[])
                    AS e(learner_id, policy_version, first_name, last_name, birth_month, birth_day, npi, license_state,
                        license_id, boards, profile_as_of)
                JOIN accreditation.learners l ON l.learner_id = e.learner_id),
            earlier AS (
                SELECT p.*
                FROM accreditation.learner_profiles p
                JOIN incoming i ON i.learner_key = p.learner_key AND i.policy_version = p.policy_version),
            stored AS (
                INSERT INTO accreditation.learner_profiles AS p (learner_key, policy_version, first_name, last_name, birth_month,
                    birth_day, npi, license_state, license_id, boards, profile_as_of)
                SELECT * FROM incoming
                ON CONFLICT (learner_key, policy_version) DO UPDATE SET
                    first_name = excluded.first_name, last_name = excluded.last_name, birth_month = excluded.birth_month,
                    birth_day = excluded.birth_day, npi = excluded.npi, license_state = excluded.license_state,
                    license_id = excluded.license_id, boards = excluded.boards, profile_as_of = excluded.profile_as_of,
                    erased_at = NULL
                WHERE p.profile_as_of <= excluded.profile_as_of OR p.erased_at IS NOT NULL
                RETURNING p.*)
            INSERT INTO accreditation.profile_revisions (learner_key, policy_version, revised_at, fields, cause)
            SELECT s.learner_key, s.policy_version, $12, changed.fields, $13
            FROM stored s
            JOIN earlier e ON e.learner_key = s.learner_key AND e.policy_version = s.policy_version
            -- The boards' names are the joint provider's certifying-board column; their IDs, both recipients'.
            CROSS JOIN LATERAL (
                SELECT (SELECT array_agg(b->>'board' ORDER BY b->>'board') FROM jsonb_array_elements(s.boards) b) AS now,
                    (SELECT array_agg(b->>'board' ORDER BY b->>'board') FROM jsonb_array_elements(e.boards) b) AS before) board_names
            CROSS JOIN LATERAL (
                SELECT array_remove(ARRAY[
                    CASE WHEN s.first_name IS DISTINCT FROM e.first_name THEN $14 END,
                    CASE WHEN s.last_name IS DISTINCT FROM e.last_name THEN $15 END,
                    CASE WHEN (s.birth_month, s.birth_day) IS DISTINCT FROM (e.birth_month, e.birth_day) THEN $16 END,
                    CASE WHEN s.license_state IS DISTINCT FROM e.license_state THEN $17 END,
                    CASE WHEN coalesce(s.license_id, s.npi) IS DISTINCT FROM coalesce(e.license_id, e.npi) THEN $18 END,
                    CASE WHEN board_names.now IS DISTINCT FROM board_names.before THEN $19 END,
                    CASE WHEN s.boards IS DISTINCT FROM e.boards THEN $20 END], NULL) AS fields) changed
            WHERE e.erased_at IS NULL AND cardinality(changed.fields) > 0
            """,
            profiles.Select(e => e.Learner.LearnerId).ToArray(),
            profiles.Select(e => e.Profile.PolicyVersion).ToArray(),
            profiles.Select(e => e.Profile.FirstName).ToArray(),
            profiles.Select(e => e.Profile.LastName).ToArray(),
            profiles.Select(e => e.Profile.BirthMonth).ToArray(),
            profiles.Select(e => e.Profile.BirthDay).ToArray(),
            profiles.Select(e => e.Profile.Npi).ToArray(),
            profiles.Select(e => e.Profile.LicenseState).ToArray(),
            profiles.Select(e => e.Profile.LicenseId).ToArray(),
            Jsonb(profiles.Select(e => StoredJson.Serialize(e.Profile.Boards))),
            profiles.Select(e => e.Profile.ProfileAsOf.ToUniversalTime()).ToArray(),
            now.ToUniversalTime(),
            Privacy.ProfileRevision.LaterEvent,
            Privacy.ProfileFields.FirstName,
            Privacy.ProfileFields.LastName,
            Privacy.ProfileFields.BirthMonthDay,
            Privacy.ProfileFields.LicensingState,
            Privacy.ProfileFields.LicensingIdOrNpi,
            Privacy.ProfileFields.CertifyingBoard,
            Privacy.ProfileFields.CertifyingBoardId);
    }

    private static void AddActivityUpsert(NpgsqlBatch batch, List<AcceptedCompletion> events)
    {
        var activities = NewestByKey(events.Select(e => e.Activity), a => a.ActivityId, a => a.DetailsAsOf);
        Add(batch,
            """
            INSERT INTO accreditation.activities AS a (activity_id, title, format, start_date, end_date, half_days,
                accme_activity_id, eaccme_event_code, ama_pra_category1_credits, ecmec_credits, moc_designations, passing_score,
                joint_provider, details_as_of)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::int[], $7::text[], $8::text[],
                $9::numeric[], $10::numeric[], $11::jsonb[], $12::numeric[], $13::text[], $14::timestamptz[])
            ON CONFLICT (activity_id) DO UPDATE SET
                title = excluded.title, format = excluded.format, start_date = excluded.start_date,
                end_date = excluded.end_date, half_days = excluded.half_days, accme_activity_id = excluded.accme_activity_id,
                eaccme_event_code = excluded.eaccme_event_code,
                ama_pra_category1_credits = excluded.ama_pra_category1_credits, ecmec_credits = excluded.ecmec_credits,
                moc_designations = excluded.moc_designations, passing_score = excluded.passing_score,
                joint_provider = excluded.joint_provider, details_as_of = excluded.details_as_of
            WHERE a.details_as_of <= excluded.details_as_of
            """,
            activities.Select(a => a.ActivityId).ToArray(),
            activities.Select(a => a.Title).ToArray(),
            activities.Select(a => a.Format).ToArray(),
            activities.Select(a => a.StartDate).ToArray(),
            activities.Select(a => a.EndDate).ToArray(),
            activities.Select(a => a.HalfDays).ToArray(),
            activities.Select(a => a.AccmeActivityId).ToArray(),
            activities.Select(a => a.EaccmeEventCode).ToArray(),
            activities.Select(a => a.AmaPraCategory1Credits).ToArray(),
            activities.Select(a => a.EcmecCredits).ToArray(),
            Jsonb(activities.Select(a => StoredJson.Serialize(a.MocDesignations))),
            activities.Select(a => a.PassingScore).ToArray(),
            activities.Select(a => a.JointProvider).ToArray(),
            activities.Select(a => a.DetailsAsOf.ToUniversalTime()).ToArray());
    }

    /// <summary>
    /// One row per key, since ON CONFLICT cannot touch a row twice: the newest version, in key order
    /// so concurrent batches take the row locks in one order.
    /// </summary>
    private static List<T> NewestByKey<T>(IEnumerable<T> rows, Func<T, string> key, Func<T, DateTimeOffset> asOf) =>
        rows.GroupBy(key)
            .Select(g => g.MaxBy(asOf)!)
            .OrderBy(key, StringComparer.Ordinal)
            .ToList();

    internal static void Add(NpgsqlBatch batch, string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(SqlCommands.Parameter(value));
        }

        batch.BatchCommands.Add(command);
    }

    internal static NpgsqlParameter Jsonb(IEnumerable<string> documents) =>
        new() { Value = documents.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
