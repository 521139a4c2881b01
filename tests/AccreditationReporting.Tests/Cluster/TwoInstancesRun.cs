using System.Diagnostics;
using System.Globalization;
using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace AccreditationReporting.Tests.Cluster;

/// <summary>
/// Two instances of the service as one deployment: one database, one broker, one queue. Both consume
/// (competing consumers), both run every recipient's schedule and both push to the recipients'
/// endpoint, while events arrive in waves over several schedule occurrences. The run ends once every
/// event is stored or rejected, every completion is in the batches it belongs in, and every batch is
/// delivered; the tests then read what the two left behind.
/// </summary>
public sealed class TwoInstancesRun : IAsyncLifetime
{
    public const string Pars = "accme-pars-learners";
    public const string JointProvider = "joint-provider/cme-consultants";
    public static readonly string[] Recipients = [Pars, JointProvider];

    /// <summary>Set on each instance's delivery client, so the endpoint can tell which instance pushed.</summary>
    public const string InstanceHeader = "X-Test-Instance";

    /// <summary>Every 2 seconds (six fields: seconds first).</summary>
    public const string Schedule = "*/2 * * * * *";

    private const int Waves = 10;
    private static readonly TimeSpan BetweenWaves = TimeSpan.FromSeconds(1);

    public ClusterEvents Events { get; } = ClusterEvents.Generate(
        first: 2_800, retakes: 300, secondActivities: 200, duplicates: 400, invalid: 300, activities: 12, seed: 15);

    public RecipientEndpoint Endpoint { get; private set; } = null!;

    public ReportingService First { get; private set; } = null!;

    public ReportingService Second { get; private set; } = null!;

    public ServiceDatabase Database => First.Database;

    /// <summary>What the run did, for the test output.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Each occurrence of each schedule: who claimed it, and its batch.</summary>
    public List<string> Occurrences { get; } = [];

    /// <summary>
    /// The endpoint refuses some attempts with 503 (attempts 1 and 2 of every 5 it receives, over
    /// all batches): some batches are taken at the first retry, some only after a run spent its
    /// retries and the batch waited, so the other instance may push it.
    /// </summary>
    public static bool Refused(int attempt) => attempt % 5 is 1 or 2;

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Endpoint = await RecipientEndpoint.StartAsync((attempt, _) => Task.FromResult(new RecipientEndpoint.Answer(Refused(attempt) ? 503 : 200)));
        var settings = Settings(Endpoint.Url);
        First = await ReportingService.StartAsync(useRabbitMq: true, settings: settings, services: Tagged("first"));
        Second = await ReportingService.StartAsync(
            useRabbitMq: true, settings: settings, postgres: First.PostgresConnectionString, endpointName: First.EndpointName, services: Tagged("second"));
        Note(clock, "both instances started");

        await using (var publisher = await RawPublisher.ConnectAsync(First.RabbitMqUri!))
        {
            var size = (Events.Messages.Count + Waves - 1) / Waves;
            foreach (var wave in Events.Messages.Chunk(size))
            {
                await publisher.PublishManyAsync(First.EndpointName, wave);
                await Task.Delay(BetweenWaves);
            }
        }

        Note(clock, $"{Events.Messages.Count} messages ({Events.Valid.Count} distinct valid events, {Events.Duplicates} copies, "
            + $"{Events.Invalid.Count} invalid) published and confirmed in {Waves} waves");

        await Eventually.TrueAsync(
            async () => First.Consumed.Total + Second.Consumed.Total >= Events.Messages.Count
                && await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.processed_events") >= Events.Valid.Count
                && await Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.rejected_events") >= Events.Invalid.Count,
            TimeSpan.FromSeconds(60),
            "every message consumed, every event stored or rejected");
        Note(clock, $"consumed: {First.Consumed.Total} by the first instance, {Second.Consumed.Total} by the second");

        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(Holdings.Wrong, ("recipients", Recipients)) == 0,
            TimeSpan.FromSeconds(30),
            "every current completion in a scheduled batch of each recipient");
        Note(clock, "every completion where it belongs");

        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.export_batches WHERE delivery_status <> 'Delivered' OR file_name = ''") == 0,
            TimeSpan.FromSeconds(30),
            "every batch delivered");

        // Long enough for another occurrence and several delivery passes on both instances: nothing
        // more may be made or pushed.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Note(clock, $"every batch delivered; {Endpoint.Received.Count} requests to the endpoint, "
            + string.Join(", ", Endpoint.Received.GroupBy(r => r.Headers[InstanceHeader]).OrderBy(g => g.Key).Select(g => $"{g.Count()} from the {g.Key} instance")));
        foreach (var line in await Database.ColumnAsync<string>(
            """
            SELECT s.recipient || ': ' || count(*) || ' occurrences, ' || count(s.batch_id) || ' with a batch; claims per instance '
                || (SELECT string_agg(n::text, ' and ' ORDER BY n DESC)
                    FROM (SELECT count(*) AS n FROM accreditation.scheduled_runs c WHERE c.recipient = s.recipient GROUP BY c.claimed_by) AS claims)
            FROM accreditation.scheduled_runs s GROUP BY s.recipient ORDER BY s.recipient
            """))
        {
            Note(clock, line);
        }

        Occurrences.AddRange(await Database.ColumnAsync<string>(
            """
            SELECT s.recipient || ' ' || to_char(s.occurrence, 'HH24:MI:SS') || ' claimed at ' || to_char(s.claimed_at, 'HH24:MI:SS.MS')
                || ' by ' || right(s.claimed_by, 6) || ': ' || coalesce('batch ' || b.id || ', ' || b.row_count || ' rows', 'no batch')
            FROM accreditation.scheduled_runs s LEFT JOIN accreditation.export_batches b ON b.id = s.batch_id
            ORDER BY s.recipient, s.occurrence
            """));
    }

    public async Task DisposeAsync()
    {
        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        if (First is not null)
        {
            await First.DisposeAsync();
        }

        if (Endpoint is not null)
        {
            await Endpoint.DisposeAsync();
        }
    }

    private void Note(Stopwatch clock, string what) =>
        Log.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}"));

    private static Action<IServiceCollection> Tagged(string instance) => services =>
        services.AddHttpClient(BatchDeliveries.HttpClientName).ConfigureHttpClient(client => client.DefaultRequestHeaders.Add(InstanceHeader, instance));

    private static Dictionary<string, string?> Settings(Uri endpoint)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Exports:Schedules:{Pars}"] = Schedule,
            ["JointProviders:cme-consultants:Schedule"] = Schedule,
        };
        foreach (var section in new[] { $"Exports:Delivery:{Pars}", "JointProviders:cme-consultants:Delivery" })
        {
            settings[$"{section}:Endpoint"] = endpoint.ToString();
            settings[$"{section}:Retries"] = "1";
            settings[$"{section}:FirstRetryDelay"] = "00:00:00.1";
            settings[$"{section}:RetryLater"] = "00:00:01";
            settings[$"{section}:PollInterval"] = "00:00:00.2";

            // The refusals are scripted; an open circuit would only make the run wait.
            settings[$"{section}:BreakMinimumThroughput"] = "1000";
        }

        return settings;
    }
}

/// <summary>What each recipient holds: a completion from an Add line until a Delete line after it.</summary>
internal static class Holdings
{
    /// <summary>
    /// Completions a recipient (of <c>@recipients</c>) does not hold as it should: a current completion
    /// held other than once, a superseded one still held.
    /// </summary>
    public const string Wrong =
        """
        SELECT count(*)
        FROM (
            SELECT c.superseded_by IS NULL AS current,
                coalesce(sum(CASE l.action WHEN 'Add' THEN 1 WHEN 'Delete' THEN -1 ELSE 0 END), 0) AS held
            FROM accreditation.completions c
            CROSS JOIN unnest(@recipients::text[]) AS r(recipient)
            LEFT JOIN accreditation.export_lines l ON l.completion_id = c.id AND l.recipient = r.recipient
            GROUP BY r.recipient, c.id) AS h
        WHERE h.held <> CASE WHEN h.current THEN 1 ELSE 0 END
        """;

    /// <summary>
    /// Lines after which a recipient held a completion other than 0 or 1 times: in batch order, a
    /// correction's Delete before its Add in the same batch.
    /// </summary>
    public const string HeldTwiceOrLess =
        """
        SELECT recipient || ' completion ' || completion_id || ' batch ' || batch_id || ': held ' || held
        FROM (
            SELECT recipient, completion_id, batch_id,
                sum(CASE action WHEN 'Add' THEN 1 ELSE -1 END) OVER (
                    PARTITION BY recipient, completion_id
                    ORDER BY batch_id, CASE action WHEN 'Delete' THEN 0 ELSE 1 END
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS held
            FROM accreditation.export_lines
            WHERE action IN ('Add', 'Delete')) AS running
        WHERE held NOT IN (0, 1)
        """;
}
