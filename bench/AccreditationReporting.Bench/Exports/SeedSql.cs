namespace AccreditationReporting.Bench.Exports;

/// <summary>
/// The seed's statements: each table in one INSERT ... SELECT over generate_series, values derived
/// from the row number so a run is reproducible (event IDs aside). Rows carry what ingestion would
/// have stored: enum names as strings, board lists and MOC designations as the service's camelCase
/// JSON, dates no later than yesterday so every completion falls before the batch's cut-off.
/// </summary>
internal static class SeedSql
{
    /// <summary>17 learners in 20 are ABIM diplomates (3 of them also ABP); the rest certify with no board.</summary>
    public static bool HoldsAbimBoard(long learner) => learner % 20 < 17;

    /// <summary>$1: learners.</summary>
    public const string Learners = """
        INSERT INTO accreditation.learners (id, learner_id, profession, country, profile_as_of)
        OVERRIDING SYSTEM VALUE
        SELECT n, 'bench-learner-' || lpad(n::text, 8, '0'), 'Physician', 'US', now() - interval '1 day'
        FROM generate_series(1, $1) n
        """;

    /// <summary>
    /// $1: learners. A profile under each of the two policies the completions are collected under
    /// (<see cref="Completions"/>), the same values in both, as one platform sending under both would.
    /// About one name in six is not ASCII; some need CSV quoting.
    /// </summary>
    public const string LearnerProfiles = """
        INSERT INTO accreditation.learner_profiles (learner_key, policy_version, first_name, last_name, birth_month, birth_day,
            npi, license_state, license_id, boards, profile_as_of)
        SELECT n, policy,
            first_names[1 + n % cardinality(first_names)], last_names[1 + (n / 7) % cardinality(last_names)],
            1 + n % 12, 1 + n % 28,
            (1000000000 + n)::text, states[1 + n % cardinality(states)],
            -- One in ten gives no licence number: the files then carry the NPI.
            CASE WHEN n % 10 = 3 THEN NULL ELSE states[1 + n % cardinality(states)] || '-' || lpad(n::text, 7, '0') END,
            CASE WHEN n % 20 < 14 THEN jsonb_build_array(jsonb_build_object('board', 'ABIM', 'boardId', (100000 + n)::text))
                WHEN n % 20 < 17 THEN jsonb_build_array(
                    jsonb_build_object('board', 'ABIM', 'boardId', (100000 + n)::text),
                    jsonb_build_object('board', 'ABP', 'boardId', (500000 + n)::text))
                ELSE '[]'::jsonb END,
            now() - interval '1 day'
        FROM (SELECT
                ARRAY['James', 'Mary', 'Robert', 'Patricia', 'Michael', 'Linda', 'David', 'Susan', 'Daniel', 'Karen',
                    'Thomas', 'Nancy', 'Ahmed', 'Wei', 'Priya', 'Kwame', 'Anne-Marie', 'John Paul', 'Ada', 'Olga',
                    'José', 'Zoë', 'Siobhán', 'Jürgen'] AS first_names,
                ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor',
                    'Moore', 'Martin', 'Lee', 'Clark', 'Patel', 'Nguyen', 'Okafor', 'Kim', 'O''Brien', 'Smith, Jr.',
                    'van der Berg', 'Hall-Jones', 'García', 'Müller', 'Ødegaard', 'Dvořák'] AS last_names,
                ARRAY['MN', 'WI', 'IA', 'IL', 'CA', 'NY', 'TX', 'FL', 'AZ', 'WA'] AS states) names,
            generate_series(1, $1) n,
            unnest(ARRAY['mayo-cme-2018-06-15', 'ismrm-2016-11-21']) policy
        """;

    /// <summary>$1: activities. All ACCME-accredited, all jointly provided, designating AMA credit and ABIM MOC.</summary>
    public const string Activities = """
        INSERT INTO accreditation.activities (id, activity_id, title, format, start_date, end_date, half_days, accme_activity_id,
            eaccme_event_code, ama_pra_category1_credits, ecmec_credits, moc_designations, passing_score, joint_provider, details_as_of)
        OVERRIDING SYSTEM VALUE
        SELECT n, 'bench-activity-' || lpad(n::text, 5, '0'),
            topics[1 + n % cardinality(topics)] || ' (' || n || ')', formats[1 + n % cardinality(formats)],
            current_date - 400 + n % 200, current_date + 30 + n % 300, NULL, (202600000 + n)::text,
            NULL, 0.25 * (4 + n % 77), NULL,
            jsonb_build_array(
                jsonb_build_object('board', 'ABIM', 'creditType', 'Medical Knowledge', 'points', 0.25 * (4 + n % 77)),
                jsonb_build_object('board', 'ABIM', 'creditType', 'Patient Safety', 'points', 1.0)),
            70, 'CME Consultants', now() - interval '1 day'
        FROM (SELECT
                ARRAY['Cardiology update', 'Diabetes care, type 2', 'Pediatric asthma', 'Opioid prescribing', 'Sepsis recognition',
                    'Stroke: the first hour', 'Imaging "red flags"', 'Antimicrobial stewardship', 'Pädiatrie-Update',
                    'Médecine d''urgence'] AS topics,
                ARRAY['enduring-material', 'internet-enduring', 'journal', 'live'] AS formats) words,
            generate_series(1, $1) n
        """;

    /// <summary>
    /// $1: completions, $2: activities, $3: completions per learner. Learner k takes $3 different
    /// activities, a quarter of the catalogue apart, so no learner and activity pair repeats (a repeat
    /// would be a superseded completion). Everyone passed, completed the evaluation and gave board or
    /// state-board permission; one in ten gave only the state-board one, one in five only the board one.
    /// </summary>
    public const string Completions = """
        INSERT INTO accreditation.completions (id, event_id, learner_key, activity_key, completed_on, occurred_at, received_at,
            policy_version, assessment_score, evaluation_completed, board_reporting_consent, state_board_reporting_consent)
        OVERRIDING SYSTEM VALUE
        SELECT i + 1, gen_random_uuid(), i / $3 + 1, ((i / $3) * 37 + (i % $3) * ($2 / $3)) % $2 + 1,
            d.completed_on, d.occurred_at, d.occurred_at + interval '2 minutes',
            CASE WHEN i % 5 = 4 THEN 'ismrm-2016-11-21' ELSE 'mayo-cme-2018-06-15' END,
            70 + i % 31, true, i % 10 <> 0, i % 5 <> 1
        FROM generate_series(0, $1 - 1) i,
            LATERAL (SELECT current_date - 1 - i % 365 AS completed_on,
                ((current_date - 1 - i % 365) + time '08:00' + (i % 600) * interval '1 minute') AT TIME ZONE 'UTC' AS occurred_at) d
        """;

    /// <summary>
    /// $1: completions, $2: completions per learner. An AMA PRA Category 1 award for every completion;
    /// an ABIM Medical Knowledge award for every fourth of an ABIM diplomate's, and a Patient Safety
    /// one as well for every twentieth (see <see cref="HoldsAbimBoard"/>).
    /// </summary>
    public const string CreditAwards = """
        INSERT INTO accreditation.credit_awards (completion_id, credit_type, board, moc_credit_type, claimed, awarded, not_awarded_reason)
        SELECT id, 'AmaPraCategory1', NULL, NULL, 0.25 * (1 + id % 4), 0.25 * (1 + id % 4), NULL
        FROM generate_series(1, $1) id
        UNION ALL
        SELECT id, 'Moc', 'ABIM', 'Medical Knowledge', 0.5, 0.5, NULL
        FROM generate_series(4, $1, 4) id WHERE ((id - 1) / $2 + 1) % 20 < 17
        UNION ALL
        SELECT id, 'Moc', 'ABIM', 'Patient Safety', 1.0, 1.0, NULL
        FROM generate_series(20, $1, 20) id WHERE ((id - 1) / $2 + 1) % 20 < 17
        """;
}
