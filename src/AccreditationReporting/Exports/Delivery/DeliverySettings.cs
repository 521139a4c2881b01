namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// Push delivery for one recipient (<c>Exports:Delivery:&lt;recipient&gt;</c>). Without an
/// <see cref="Endpoint"/> the recipient's batches are only downloaded by staff.
/// </summary>
internal sealed class DeliverySettings
{
    /// <summary>Absolute https URL the file is POSTed to; http only to a loopback address.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged or stored.</summary>
    public string? BearerToken { get; set; }

    /// <summary>One request, upload and answer together.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt, within one delivery run.</summary>
    public int Retries { get; set; } = 4;

    /// <summary>Waits double from this after each failed attempt, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The circuit opens when at least this share of the attempts in <see cref="BreakSamplingDuration"/> failed...</summary>
    public double BreakFailureRatio { get; set; } = 0.5;

    /// <summary>...and there were at least this many of them.</summary>
    public int BreakMinimumThroughput { get; set; } = 4;

    public TimeSpan BreakSamplingDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an open circuit sends nothing before it tries one request again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>When a run ends without an answer (retries spent, circuit open), the batch waits this long for the next run.</summary>
    public TimeSpan RetryLater { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each instance looks for batches to deliver.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);
}
