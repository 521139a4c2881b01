using AccreditationReporting.Storage;
using Npgsql;
using NpgsqlTypes;

namespace AccreditationReporting.Ingestion;

/// <summary>Records rejected messages; a redelivered copy of one counts as received again.</summary>
internal static class RejectionRows
{
    public static void AddInsert(NpgsqlBatch batch, IReadOnlyList<RejectedEvent> rejected)
    {
        // ON CONFLICT cannot touch a row twice in one statement: fold copies within the batch first.
        var rows = rejected
            .GroupBy(r => (Convert.ToHexString(r.PayloadDigest), r.MessageId))
            .Select(g => (Row: g.First(), Times: g.Count(), Last: g.Max(r => r.LastReceivedAt)))
            .ToList();
        CompletionRows.Add(batch,
            """
            INSERT INTO accreditation.rejected_events AS r (event_id, message_id, received_at, last_received_at, times_received,
                violations, rule_code, field, payload, content_type, payload_expires_at, payload_digest, learner_id, status, replays)
            SELECT e.*, $14, 0
            FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::jsonb[], $7::text[],
                $8::text[], $9::bytea[], $10::text[], $11::timestamptz[], $12::bytea[], $13::text[]) AS e
            ON CONFLICT (payload_digest, message_id) DO UPDATE SET
                last_received_at = excluded.last_received_at, times_received = r.times_received + excluded.times_received
            """,
            rows.Select(r => r.Row.EventId).ToArray(),
            rows.Select(r => r.Row.MessageId).ToArray(),
            rows.Select(r => r.Row.ReceivedAt.ToUniversalTime()).ToArray(),
            rows.Select(r => r.Last.ToUniversalTime()).ToArray(),
            rows.Select(r => r.Times).ToArray(),
            CompletionRows.Jsonb(rows.Select(r => StoredJson.Serialize(r.Row.Violations))),
            rows.Select(r => r.Row.RuleCode).ToArray(),
            rows.Select(r => r.Row.Field).ToArray(),
            new NpgsqlParameter { Value = rows.Select(r => r.Row.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            rows.Select(r => r.Row.ContentType).ToArray(),
            rows.Select(r => r.Row.PayloadExpiresAt?.ToUniversalTime()).ToArray(),
            new NpgsqlParameter { Value = rows.Select(r => r.Row.PayloadDigest).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            rows.Select(r => r.Row.LearnerId).ToArray(),
            nameof(RejectionStatus.Open));
    }
}
