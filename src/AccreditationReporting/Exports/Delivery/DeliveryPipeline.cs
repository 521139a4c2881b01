using System.Net;
using System.Net.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AccreditationReporting.Exports.Delivery;

/// <summary>
/// One pipeline per recipient, kept for the life of the service so its circuit remembers earlier
/// runs: retry (outermost) → circuit breaker → timeout per attempt. The outcome is the answer's
/// status code; the answer's body is never read.
/// </summary>
internal static class DeliveryPipeline
{
    /// <summary>The run an attempt belongs to, so the shared pipeline's retry hook can record it.</summary>
    public static readonly ResiliencePropertyKey<DeliveryRun> Run = new("export-delivery-run");

    public static ResiliencePipeline<HttpStatusCode> Build(DeliverySettings settings, TimeProvider time) =>
        new ResiliencePipelineBuilder<HttpStatusCode> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpStatusCode>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                MaxRetryAttempts = settings.Retries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = settings.FirstRetryDelay,
                MaxDelay = settings.MaxRetryDelay,

                // One service pushes to each recipient, so there is no herd to spread; without
                // jitter the waits are the configured ones, in production and in tests.
                UseJitter = false,
                OnRetry = args => args.Context.Properties.TryGetValue(Run, out var run) ? run.FailedAsync(args.Outcome) : default,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpStatusCode>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                FailureRatio = settings.BreakFailureRatio,
                MinimumThroughput = settings.BreakMinimumThroughput,
                SamplingDuration = settings.BreakSamplingDuration,
                BreakDuration = settings.BreakDuration,
            })
            .AddTimeout(settings.AttemptTimeout)
            .Build();

    /// <summary>
    /// Worth another try: no answer, or an answer that says "later". Any other refusal (a 400, a
    /// 401, a redirect, which is never followed) would be the same next time.
    /// </summary>
    public static bool IsTransient(Outcome<HttpStatusCode> outcome) =>
        outcome.Exception switch
        {
            HttpRequestException or TimeoutRejectedException => true,
            null => outcome.Result is HttpStatusCode.RequestTimeout or (HttpStatusCode)425 or HttpStatusCode.TooManyRequests
                || (int)outcome.Result >= 500,
            _ => false,
        };

    /// <summary>What a failed attempt got, for <see cref="ExportBatch.LastDeliveryError"/>: a status code or the kind of failure, never a body or a message.</summary>
    public static string Describe(Outcome<HttpStatusCode> outcome, DeliverySettings settings) =>
        outcome.Exception switch
        {
            null => $"HTTP {(int)outcome.Result}",
            TimeoutRejectedException => $"no answer within {settings.AttemptTimeout.TotalSeconds:0.###} s",
            HttpRequestException e => $"request failed: {e.HttpRequestError}",
            BrokenCircuitException => "circuit open after repeated failures; not tried",
            var e => $"failed: {e.GetType().Name}",
        };
}
