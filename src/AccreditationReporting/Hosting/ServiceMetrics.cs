using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AccreditationReporting.Hosting;

/// <summary>
/// The service's own instruments, on the meter <see cref="MeterName"/> (README, "Observability").
/// Tags name rules, recipients, outcomes and actions: small fixed sets from configuration or code.
/// Nothing about a learner is ever a tag, not even the publisher's learner ID: a metric backend
/// keeps every tag value it sees, beyond the reach of an erasure.
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "AccreditationReporting";

    private readonly Counter<long> _consumed;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _ingestLag;
    private readonly Histogram<long> _batchRows;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _downloads;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _deliveryAttempts;
    private readonly Counter<long> _auditEntries;

    public ServiceMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _consumed = meter.CreateCounter<long>(
            "accreditation.events.consumed", "{event}", "Messages taken off the course-completed queue and settled (stored, duplicate or rejected)");
        _stored = meter.CreateCounter<long>("accreditation.events.stored", "{event}", "New completions committed, by ingestion or a replay");
        _duplicates = meter.CreateCounter<long>(
            "accreditation.events.duplicates", "{event}", "Events whose event ID was already stored: redeliveries and republished copies, which store nothing");
        _rejected = meter.CreateCounter<long>(
            "accreditation.events.rejected", "{event}", "Rejections recorded, by the code of the first rule the message broke");
        _ingestLag = meter.CreateHistogram(
            "accreditation.ingest.lag", "s", "From the message's publish time to the commit of its batch",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] });
        _batchRows = meter.CreateHistogram<long>(
            "accreditation.batch.rows", "{row}", "Rows in each export batch's file",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 5_000_000] });
        _batchDuration = meter.CreateHistogram(
            "accreditation.batch.duration", "s", "Time to make an export batch, from the request to the commit",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        _downloads = meter.CreateCounter<long>("accreditation.downloads", "{download}", "Batch file downloads, by how they ended and where they came from");
        _deliveries = meter.CreateCounter<long>(
            "accreditation.deliveries", "{batch}", "Push delivery runs of a batch, by outcome: delivered, retry-later (still pending) or failed (given up)");
        _deliveryAttempts = meter.CreateCounter<long>(
            "accreditation.delivery.attempts", "{request}", "HTTP requests that pushed a batch file, by whether the recipient accepted it");
        _auditEntries = meter.CreateCounter<long>("accreditation.audit.entries", "{entry}", "Audit trail entries written, by action and outcome");
    }

    public void EventsConsumed(int count) => _consumed.Add(count);

    /// <summary>Counted after the commit: a rolled-back batch is consumed again and counted then.</summary>
    public void EventsSettled(int stored, int duplicates, IEnumerable<string> rejectedRuleCodes)
    {
        if (stored > 0)
        {
            _stored.Add(stored);
        }

        if (duplicates > 0)
        {
            _duplicates.Add(duplicates);
        }

        foreach (var rule in rejectedRuleCodes)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("rule", rule));
        }
    }

    /// <param name="publishTimeFrom">
    /// <c>sent-time</c> (MassTransit's envelope, milliseconds) or <c>amqp-timestamp</c> (the AMQP
    /// property, whole seconds: a lag read from it is up to a second high).
    /// </param>
    public void IngestLag(TimeSpan lag, string publishTimeFrom) =>
        _ingestLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("publish_time_from", publishTimeFrom));

    /// <param name="outcome"><c>created</c>, <c>nothing-new</c> (no batch was made), <c>run-elsewhere</c> (a scheduled occurrence another instance made), <c>failed</c> or <c>cancelled</c>.</param>
    public void BatchMade(string recipient, string outcome, TimeSpan duration, long? rows)
    {
        var tags = new TagList { { "recipient", recipient }, { "outcome", outcome } };
        _batchDuration.Record(duration.TotalSeconds, tags);
        if (rows is { } count)
        {
            _batchRows.Record(count, new KeyValuePair<string, object?>("recipient", recipient));
        }
    }

    /// <param name="via"><c>api</c> or <c>console</c>.</param>
    /// <param name="outcome">The outcome the download's closing audit entry records.</param>
    public void Download(string via, string outcome) =>
        _downloads.Add(1, new KeyValuePair<string, object?>("via", via), new KeyValuePair<string, object?>("outcome", outcome));

    public void Delivery(string recipient, string outcome) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("recipient", recipient), new KeyValuePair<string, object?>("outcome", outcome));

    public void DeliveryAttempt(string recipient, bool accepted) =>
        _deliveryAttempts.Add(
            1, new KeyValuePair<string, object?>("recipient", recipient), new KeyValuePair<string, object?>("outcome", accepted ? "accepted" : "failed"));

    public void AuditEntry(string action, string outcome) =>
        _auditEntries.Add(1, new KeyValuePair<string, object?>("action", action), new KeyValuePair<string, object?>("outcome", outcome));
}
