using System.Diagnostics;
using System.Text;
using AccreditationReporting.Exports;
using Npgsql;

namespace AccreditationReporting.Bench.Exports;

/// <summary>What a raw <c>COPY (SELECT ...) TO STDOUT</c> of one recipient's file took: the database's floor.</summary>
internal sealed record RawCopyResult(TimeSpan Time, long Bytes);

/// <summary>
/// The same rows and columns as each recipient's file, straight from the stored tables in the file's
/// order and dialect (CSV, tab-separated for PARS), read to the end by this program. Column
/// permissions are applied as the seeded policies state them for these columns (policies.json), so
/// the bytes are close to the file's; what the database cannot do (the service's export lines, its
/// CSV writer, the stored copy of the file) is what the comparison measures.
/// </summary>
internal static class RawCopy
{
    private const int ReadBuffer = 1 << 16;

    public static async Task<RawCopyResult> TimeAsync(string postgres, string recipient)
    {
        var sql = recipient switch
        {
            ExportRun.JointProvider => JointProvider,
            Recipients.ParsLearners => ParsLearners,
            _ => throw new ArgumentOutOfRangeException(nameof(recipient), recipient, "no raw query for this recipient"),
        };
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        var buffer = new char[ReadBuffer];
        long bytes = 0;
        var clock = Stopwatch.StartNew();

        // Npgsql streams text COPY only through a reader, decoding as it goes; counting the UTF-8 bytes back is cheap next to that.
        using (var copy = await connection.BeginTextExportAsync(sql))
        {
            int read;
            while ((read = await copy.ReadAsync(buffer, CancellationToken.None)) > 0)
            {
                bytes += Encoding.UTF8.GetByteCount(buffer.AsSpan(0, read));
            }
        }

        return new RawCopyResult(clock.Elapsed, bytes);
    }

    /// <summary>
    /// The joint provider's 16 columns. Birth month/day need either permission, licence fields the
    /// state-board one, board fields the board one.
    /// </summary>
    private const string JointProvider = """
        COPY (
            SELECT c.event_id AS "Record ID", 'new' AS "Record Status", l.first_name, l.last_name, a.activity_id, a.title,
                c.completed_on, ama.claimed,
                CASE WHEN a.passing_score IS NULL THEN NULL WHEN c.assessment_score >= a.passing_score THEN 'Y' ELSE 'N' END,
                c.assessment_score, CASE WHEN c.evaluation_completed THEN 'Y' ELSE 'N' END,
                CASE WHEN c.board_reporting_consent OR c.state_board_reporting_consent
                    THEN lpad(l.birth_month::text, 2, '0') || '/' || lpad(l.birth_day::text, 2, '0') END,
                CASE WHEN c.state_board_reporting_consent THEN l.license_state END,
                CASE WHEN c.state_board_reporting_consent THEN coalesce(l.license_id, l.npi) END,
                CASE WHEN c.board_reporting_consent THEN bd.boards END,
                CASE WHEN c.board_reporting_consent THEN bd.board_ids END
            FROM accreditation.completions c
            JOIN accreditation.learner_profiles l ON l.learner_key = c.learner_key AND l.policy_version = c.policy_version
            JOIN accreditation.activities a ON a.id = c.activity_key
            -- The board strings as the service builds them (one join per row, cached per learner).
            LEFT JOIN LATERAL (
                SELECT string_agg(b->>'board', ';' ORDER BY b->>'board') AS boards,
                    string_agg(b->>'boardId', ';' ORDER BY b->>'board') AS board_ids
                FROM jsonb_array_elements(l.boards) b) bd ON true
            LEFT JOIN (
                SELECT completion_id, sum(claimed) AS claimed FROM accreditation.credit_awards
                WHERE credit_type = 'AmaPraCategory1' GROUP BY completion_id) ama ON ama.completion_id = c.id
            WHERE c.superseded_by IS NULL
            ORDER BY c.id
        ) TO STDOUT (FORMAT csv, HEADER)
        """;

    /// <summary>
    /// The PARS learner upload's 14 columns: a row per completion, or one per MOC award when there
    /// are several, the CME credits on the first. Licence fields need the state-board permission,
    /// board and MOC fields the board one.
    /// </summary>
    private const string ParsLearners = """
        COPY (
            SELECT 'Add' AS "Record Action", a.accme_activity_id, to_char(c.completed_on, 'MM/DD/YYYY'), l.first_name, l.last_name,
                lpad(l.birth_month::text, 2, '0') || '/' || lpad(l.birth_day::text, 2, '0'),
                CASE WHEN c.state_board_reporting_consent THEN l.license_state END,
                CASE WHEN c.state_board_reporting_consent THEN coalesce(l.license_id, l.npi) END,
                CASE WHEN m.n IS NULL OR m.n = 1 THEN ama.awarded END,
                CASE WHEN c.board_reporting_consent THEN m.board END,
                CASE WHEN c.board_reporting_consent
                    THEN (SELECT b->>'boardId' FROM jsonb_array_elements(l.boards) b WHERE b->>'board' = m.board LIMIT 1) END,
                CASE WHEN c.board_reporting_consent THEN m.board_total END,
                CASE WHEN c.board_reporting_consent THEN m.moc_credit_type END,
                CASE WHEN c.board_reporting_consent THEN m.awarded END
            FROM accreditation.completions c
            JOIN accreditation.learner_profiles l ON l.learner_key = c.learner_key AND l.policy_version = c.policy_version
            JOIN accreditation.activities a ON a.id = c.activity_key
            LEFT JOIN (
                SELECT completion_id, sum(awarded) AS awarded FROM accreditation.credit_awards
                WHERE credit_type = 'AmaPraCategory1' AND awarded > 0 GROUP BY completion_id) ama ON ama.completion_id = c.id
            LEFT JOIN (
                SELECT completion_id, board, moc_credit_type, awarded,
                    sum(awarded) OVER (PARTITION BY completion_id, board) AS board_total,
                    row_number() OVER (PARTITION BY completion_id ORDER BY board, moc_credit_type, id) AS n
                FROM accreditation.credit_awards
                WHERE credit_type = 'Moc' AND awarded > 0) m ON m.completion_id = c.id
            WHERE c.superseded_by IS NULL
            ORDER BY c.id, m.n
        ) TO STDOUT (FORMAT csv, DELIMITER E'\t', HEADER)
        """;
}
