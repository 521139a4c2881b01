using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace AccreditationReporting.Audit;

/// <summary>
/// The hash that links an entry to the one before it: HMAC-SHA256, under the chain key
/// (<see cref="AuditChainKey"/>), of the previous entry's hash and the entry's own content, written
/// as a JSON array in a fixed order. The first entry follows <see cref="Genesis"/>. Keyed, and
/// computed here rather than in SQL, so whoever owns the database but not the service's secret can
/// neither verify a forged chain nor build one: an edited entry cannot be re-hashed to fit.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);

    public static string Hash(AuditChainKey key, string previousHash, AuditEvent entry) => Hash(key.Bytes, previousHash, entry);

    public static string Hash(byte[] key, string previousHash, AuditEvent entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStringValue(previousHash);
            json.WriteNumberValue(entry.Id);
            json.WriteStringValue(entry.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteStringValue(entry.ActorSubject);
            WriteNullable(json, entry.ActorName);
            json.WriteStartArray();
            foreach (var role in entry.ActorRoles)
            {
                json.WriteStringValue(role);
            }

            json.WriteEndArray();
            WriteNullable(json, entry.ActorClient);
            WriteNullable(json, entry.Peer);
            json.WriteStringValue(entry.Action);
            WriteNullable(json, entry.Target);
            json.WriteStringValue(entry.Outcome);
            if (entry.RowCount is { } rows)
            {
                json.WriteNumberValue(rows);
            }
            else
            {
                json.WriteNullValue();
            }

            WriteNullable(json, entry.Sha256);

            // Sorted, because jsonb does not keep the order the keys were written in.
            json.WriteStartObject();
            foreach (var (name, value) in entry.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, buffer.ToArray()));
    }

    /// <summary>PostgreSQL keeps microseconds: an entry is hashed with the time as it will read back.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % 10));
    }

    private static void WriteNullable(Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }
}
