using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Every log line a service writes (level, category, message, structured values, exception, and the
/// scopes around it), for canaries on personal data.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>A scope's or a state's own values as well as its text: a value a template leaves out still leaks if it is logged.</summary>
    private static string Values(object? state) =>
        state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";

    private sealed class Logger(string category, CapturedLogs captured) : ILogger
    {
        // The factory keeps the scopes for a provider that takes them from outside (SetScopeProvider).
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new StringBuilder();
            captured._scopes?.ForEachScope((scope, text) => text.Append(" => ").Append(scope).Append(" [").Append(Values(scope)).Append(']'), scopes);
            captured._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{Values(state)}] {exception}{scopes}");
        }
    }
}
