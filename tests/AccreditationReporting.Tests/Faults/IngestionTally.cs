using System.Text.RegularExpressions;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// What a fault scenario checks at its end, read from the service's database by event and message ID:
/// every confirmed valid event stored exactly once (one completion, one credit award for its one
/// claim, one inbox row), every confirmed invalid message recorded once as rejected; nothing lost,
/// nothing duplicated, nothing filed the wrong way, nothing the scenario did not publish.
/// </summary>
public sealed record IngestionTally(
    int Published, int Publishes, int Confirmed, int Stored, int Rejected, int Duplicated, int Lost, int LostInvalid, int Misfiled, int Unexpected,
    int Redelivered, int RejectedReceivedAgain, string ReceivedAgainByRule)
{
    public override string ToString() =>
        $"published {Published} ({Publishes} basic.publish), confirmed {Confirmed}, stored {Stored}, rejected {Rejected}, " +
        $"duplicated {Duplicated}, lost {Lost}{(LostInvalid > 0 ? $" ({LostInvalid} of them invalid)" : "")}, misfiled {Misfiled}, unexpected {Unexpected}, " +
        $"redelivered {Redelivered} (rejected messages received again: {RejectedReceivedAgain}{ReceivedAgainByRule})";

    /// <summary>The service's own words for each redelivered batch (CourseCompletedConsumer logs them at Information).</summary>
    private static readonly Regex RedeliveredLine = new(@"Redelivered (\d+) of a batch of (\d+)", RegexOptions.Compiled);

    public static int RedeliveredIn(string serviceLog) => RedeliveredLine.Matches(serviceLog).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Inbox rows plus rejected-event rows: how far the service has got.</summary>
    public static async Task<long> SettledAsync(ServiceDatabase database) =>
        await database.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM accreditation.processed_events) + (SELECT count(*) FROM accreditation.rejected_events)");

    /// <summary>How many rows <see cref="SettledAsync"/> reaches once every message is dealt with.</summary>
    public static long Expected(IReadOnlyList<FaultMessage> messages) =>
        messages.Where(m => m.Valid).Select(m => m.EventId).Distinct().Count() + messages.Count(m => !m.Valid);

    /// <summary>Waits until the service has dealt with every message, or has made no progress for <paramref name="stall"/>.</summary>
    public static async Task WaitUntilSettledAsync(ServiceDatabase database, IReadOnlyList<FaultMessage> messages, TimeSpan stall)
    {
        var expected = Expected(messages);
        var last = -1L;
        var lastMoved = DateTime.UtcNow;
        while (true)
        {
            var settled = await SettledAsync(database);
            if (settled >= expected)
            {
                return;
            }

            if (settled != last)
            {
                (last, lastMoved) = (settled, DateTime.UtcNow);
            }
            else if (DateTime.UtcNow - lastMoved > stall)
            {
                return;
            }

            await Task.Delay(250);
        }
    }

    public static async Task<IngestionTally> CountAsync(
        ServiceDatabase database, IReadOnlyList<FaultMessage> messages, IReadOnlyList<ConfirmingPublisher> publishers, string serviceLog)
    {
        var confirmed = publishers.SelectMany(p => p.Confirmed).ToHashSet();
        var completions = new Dictionary<Guid, (long Completions, long Awards)>();
        foreach (var (eventId, count, awards) in await RowsAsync(database,
            """
            SELECT c.event_id, count(DISTINCT c.id), count(a.completion_id)
            FROM accreditation.completions c LEFT JOIN accreditation.credit_awards a ON a.completion_id = c.id
            GROUP BY c.event_id
            """,
            r => (r.GetGuid(0), r.GetInt64(1), r.GetInt64(2))))
        {
            completions[eventId] = (count, awards);
        }

        var inbox = (await database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.processed_events")).ToHashSet();
        var rejections = (await RowsAsync(database,
                "SELECT message_id, event_id, times_received, rule_code FROM accreditation.rejected_events",
                r => (MessageId: r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0), EventId: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1), Times: r.GetInt32(2), Rule: r.GetString(3))))
            .ToList();
        var rejectedByMessage = rejections.Where(r => r.MessageId is not null).GroupBy(r => r.MessageId!.Value).ToDictionary(g => g.Key, g => g.Count());
        var rejectedEvents = rejections.Where(r => r.EventId is not null).Select(r => r.EventId!.Value).ToHashSet();

        int stored = 0, rejected = 0, duplicated = 0, lost = 0, lostInvalid = 0, misfiled = 0;
        foreach (var valid in messages.Where(m => m.Valid && confirmed.Contains(m.MessageId)).GroupBy(m => m.EventId!.Value))
        {
            var eventId = valid.Key;
            if (completions.TryGetValue(eventId, out var rows) && inbox.Contains(eventId))
            {
                stored++;
                duplicated += rows is (1, 1) ? 0 : 1;
            }
            else if (rejectedEvents.Contains(eventId))
            {
                misfiled++;
            }
            else
            {
                lost++;
            }
        }

        foreach (var invalid in messages.Where(m => !m.Valid && confirmed.Contains(m.MessageId)))
        {
            var records = rejectedByMessage.GetValueOrDefault(invalid.MessageId);
            if (invalid.EventId is { } eventId && (completions.ContainsKey(eventId) || inbox.Contains(eventId)))
            {
                misfiled++;
            }
            else if (records == 0)
            {
                lost++;
                lostInvalid++;
            }
            else
            {
                rejected++;
                duplicated += records > 1 ? 1 : 0;
            }
        }

        var published = messages.Select(m => m.MessageId).ToHashSet();
        var publishedEvents = messages.Where(m => m.EventId is not null).Select(m => m.EventId!.Value).ToHashSet();
        var unexpected = completions.Keys.Count(e => !publishedEvents.Contains(e))
            + rejections.Count(r => r.MessageId is not { } id || !published.Contains(id));

        return new IngestionTally(
            messages.Count, publishers.Sum(p => p.Publishes), confirmed.Count, stored, rejected, duplicated, lost, lostInvalid, misfiled, unexpected,
            RedeliveredIn(serviceLog), rejections.Count(r => r.Times > 1),
            string.Concat(rejections.Where(r => r.Times > 1).GroupBy(r => r.Rule).Select(g => $", {g.Key} {g.Count()}")));
    }

    /// <summary>Everything was dealt with, once: the assertions every ingestion fault scenario shares.</summary>
    public void AssertExactlyOnce(IReadOnlyList<FaultMessage> messages)
    {
        var report = ToString();
        Assert.True(Confirmed == Published, $"every message confirmed: {report}");
        Assert.True(Lost == 0, $"nothing lost: {report}");
        Assert.True(Duplicated == 0, $"nothing duplicated: {report}");
        Assert.True(Misfiled == 0, $"nothing stored that was invalid or rejected that was valid: {report}");
        Assert.True(Unexpected == 0, $"nothing the scenario did not publish: {report}");
        Assert.Equal(messages.Where(m => m.Valid).Select(m => m.EventId).Distinct().Count(), Stored);
        Assert.Equal(messages.Count(m => !m.Valid), Rejected);
    }

    private static async Task<List<T>> RowsAsync<T>(ServiceDatabase database, string sql, Func<Npgsql.NpgsqlDataReader, T> read)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
