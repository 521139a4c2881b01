using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Everything a service's telemetry sends, as an exporter would receive it: every span (with its
/// tags, events, links and baggage), every metric (instrument and tags) and every log line (with
/// scopes). Register it through <see cref="ReportingService.StartAsync"/>'s services callback.
/// </summary>
public sealed class CapturedTelemetry
{
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];

    public CapturedLogs Logs { get; } = new();

    public void Register(IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider>(Logs);
        // Every span, as the service records them when it has a collector (its default without one is none).
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
            .AddInMemoryExporter(_spans));
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics));
    }

    /// <summary>Spans end when their work does; metrics are read when asked (here, rather than once a minute).</summary>
    public IReadOnlyList<Activity> Spans(IServiceProvider services)
    {
        services.GetRequiredService<TracerProvider>().ForceFlush();
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    public IReadOnlyList<MetricSnapshot> Metrics(IServiceProvider services)
    {
        services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (_metrics)
        {
            return [.. _metrics];
        }
    }

    /// <summary>The points of one instrument as last read (metrics are cumulative), each as its tags.</summary>
    public IReadOnlyList<(Dictionary<string, object?> Tags, MetricPoint Point)> Points(IServiceProvider services, string instrument)
    {
        var latest = Metrics(services).LastOrDefault(m => m.Name == instrument);
        return latest is null ? [] : latest.MetricPoints.Select(p => (Tags(p), p)).ToList();
    }

    /// <summary>All of it as text, for a search: what a log store, a trace store and a metrics store would hold.</summary>
    public string Text(IServiceProvider services)
    {
        var text = new StringBuilder();
        foreach (var span in Spans(services))
        {
            text.Append(span.Source.Name).Append(' ').Append(span.OperationName).Append(' ').Append(span.DisplayName)
                .Append(' ').Append(span.StatusDescription).AppendLine();
            Append(text, span.TagObjects);
            Append(text, span.Baggage.Select(b => new KeyValuePair<string, object?>(b.Key, b.Value)));
            foreach (var e in span.Events)
            {
                text.Append("event ").AppendLine(e.Name);
                Append(text, e.Tags);
            }

            foreach (var link in span.Links)
            {
                Append(text, link.Tags ?? []);
            }
        }

        foreach (var metric in Metrics(services))
        {
            text.Append(metric.MeterName).Append(' ').Append(metric.Name).Append(' ').Append(metric.Unit).Append(' ').AppendLine(metric.Description);
            foreach (var point in metric.MetricPoints)
            {
                Append(text, Tags(point));
            }
        }

        foreach (var line in Logs.Lines)
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    private static void Append(StringBuilder text, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        foreach (var (key, value) in tags)
        {
            text.Append("  ").Append(key).Append('=').Append(value is Array array ? string.Join(",", array.Cast<object?>()) : value).AppendLine();
        }
    }
}
