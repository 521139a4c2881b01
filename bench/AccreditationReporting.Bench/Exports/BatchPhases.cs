using Npgsql;

namespace AccreditationReporting.Bench.Exports;

/// <summary>One phase of making a batch: the statement the service's database session was in.</summary>
internal sealed class Phase(string label)
{
    public string Label { get; } = label;

    public TimeSpan Wall { get; set; }

    /// <summary>CPU of the PostgreSQL backend serving the batch, in seconds.</summary>
    public double DatabaseCpu { get; set; }

    /// <summary>CPU of the whole service process, in seconds.</summary>
    public double ServiceCpu { get; set; }

    /// <summary>Time by what the backend waited on (pg_stat_activity's wait event; "cpu" when none).</summary>
    public Dictionary<string, TimeSpan> Waits { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Where a batch's time goes, without touching the service: every <see cref="RssSampler.Interval"/>,
/// which statement its session runs (pg_stat_activity), what the backend waits on, and how much CPU
/// the backend and the service used since the last look. A COPY whose backend waits on
/// Client:ClientWrite is held up by the service reading it; a COPY FROM STDIN on Client:ClientRead
/// by the service sending. The service's one transaction makes its session easy to find.
/// </summary>
internal sealed class BatchPhases : IAsyncDisposable
{
    /// <summary>Known statements of ExportBatches.CreateAsync, by how their text starts.</summary>
    private static readonly (string Prefix, string Label)[] Statements =
    [
        ("SELECT pg_advisory_xact_lock", "lock the recipient"),
        ("INSERT INTO accreditation.export_batches", "insert the batch row"),
        ("SELECT pg_export_snapshot", "export the snapshot"),
        ("SET TRANSACTION", "open the snapshot on the reading connection"),
        ("SELECT sent.completion_id", "find withdrawals"),
        ("WITH handled AS", "read rows: SELECT, CSV to the chunks"),
        ("COPY accreditation.export_lines", "record lines: COPY export_lines in"),
        ("INSERT INTO accreditation.export_lines", "counts-only decide: INSERT ... SELECT export_lines"),
        ("SELECT action, coalesce(reason", "summarise export_lines"),
        ("INSERT INTO accreditation.export_file_chunks", "store a file chunk"),
        ("COPY (", "write rows: COPY out, CSV to spool"),
        ("UPDATE accreditation.export_batches", "update the batch row"),
        ("COMMIT", "commit"),
    ];

    private const string NotInDatabase = "outside a transaction (gRPC call, reading the batch back, response)";

    private readonly NpgsqlConnection _connection;
    private readonly CpuMeter _service;
    private readonly Dictionary<int, double> _backendCpu = [];
    private readonly List<Phase> _phases = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _sampling = Task.CompletedTask;

    private BatchPhases(NpgsqlConnection connection, int servicePid)
    {
        _connection = connection;
        _service = CpuMeter.SingleProcess("service", servicePid);
    }

    public static async Task<BatchPhases> StartAsync(string postgres, int servicePid)
    {
        var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        var phases = new BatchPhases(connection, servicePid);
        phases._sampling = phases.SampleAsync();
        return phases;
    }

    /// <summary>The phases in the order they were first seen; stops sampling.</summary>
    public async Task<IReadOnlyList<Phase>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return _phases;
    }

    private async Task SampleAsync()
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, 'cpu'), ltrim(regexp_replace(left(query, 200), '\s+', ' ', 'g'))
            FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL
            ORDER BY xact_start, pid
            """,
            _connection);
        using var timer = new PeriodicTimer(RssSampler.Interval);
        var last = DateTime.UtcNow;
        var lastServiceCpu = _service.Read() ?? 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                string label = NotInDatabase, wait = "-";
                var databaseCpu = 0.0;
                var busy = new List<(string Label, string Wait)>();
                await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
                {
                    // A learner-level batch reads on a second connection while its lines go in on the first.
                    while (await reader.ReadAsync(_stop.Token))
                    {
                        var pid = reader.GetInt32(0);
                        var statement = Label(reader.GetString(3));
                        busy.Add(reader.GetString(1) == "idle in transaction" ? ($"idle after: {statement}", "-") : (statement, reader.GetString(2)));
                        databaseCpu += BackendCpuSinceLastLook(pid);
                    }
                }

                if (busy.Count == 1 && busy[0].Label.StartsWith("idle after: ", StringComparison.Ordinal))
                {
                    (label, wait) = ($"service between statements, after: {busy[0].Label["idle after: ".Length..]}", "-");
                }
                else if (busy.Count > 0)
                {
                    (label, wait) = (string.Join(" || ", busy.Select(b => b.Label)), string.Join(" || ", busy.Select(b => b.Wait)));
                }

                var now = DateTime.UtcNow;
                var serviceCpu = _service.Read() ?? lastServiceCpu;
                var phase = _phases.Find(p => p.Label == label) ?? Add(label);
                phase.Wall += now - last;
                phase.DatabaseCpu += databaseCpu;
                phase.ServiceCpu += serviceCpu - lastServiceCpu;
                phase.Waits[wait] = phase.Waits.GetValueOrDefault(wait) + (now - last);
                (last, lastServiceCpu) = (now, serviceCpu);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Phase Add(string label)
    {
        var phase = new Phase(label);
        _phases.Add(phase);
        return phase;
    }

    /// <summary>The first look at a backend counts from that look: it may have served other work before.</summary>
    private double BackendCpuSinceLastLook(int pid)
    {
        var now = CpuMeter.SingleProcess("backend", pid).Read() ?? 0;
        var before = _backendCpu.GetValueOrDefault(pid, now);
        _backendCpu[pid] = now;
        return now - before;
    }

    private static string Label(string query) =>
        Statements.FirstOrDefault(s => query.StartsWith(s.Prefix, StringComparison.Ordinal)).Label
            ?? query[..Math.Min(query.Length, 50)];

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        await _connection.DisposeAsync();
    }
}
