using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Records messages that never reach the consumer (not JSON, a value of the wrong type, not an
/// object) as rejected events, instead of leaving them in an error queue where the personal data
/// they may hold would outlive its retention. If recording fails, the message goes to the error
/// queue as MassTransit would have sent it: it is never dropped.
/// </summary>
public sealed class UnreadableMessages(IServiceScopeFactory scopes) : IFilter<ExceptionReceiveContext>, IFilter<ReceiveContext>
{
    /// <summary>The error pipe: the message could not be deserialized or its batch failed for good.</summary>
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        // The dead-letter filter runs after this pipe and sees a message no consumer took; unmarked, it
        // was recorded a second time (or, when recording failed, moved to the skipped queue besides the
        // error queue). MassTransit's own error pipe marks the receive faulted instead, which also logs
        // each one as an error with its stack trace: a publisher's bad message is not the service's fault.
        context.GetOrAddPayload(() => new DealtWith());
        return RecordOrPassAsync(context, Describe(context.Body.GetBytes(), context.Exception), () => next.Send(context));
    }

    /// <summary>The dead-letter pipe: JSON that no consumer took (for example <c>null</c>).</summary>
    public Task Send(ReceiveContext context, IPipe<ReceiveContext> next) =>
        context.TryGetPayload<DealtWith>(out _)
            ? Task.CompletedTask
            : RecordOrPassAsync(context, new Rejection(RuleCodes.NotAnEvent, "$", "is not a JSON object"), () => next.Send(context));

    public void Probe(ProbeContext context) => context.CreateFilterScope("recordUnreadableMessages");

    private async Task RecordOrPassAsync(ReceiveContext context, Rejection rejection, Func<Task> passOn)
    {
        for (var retry = 0; ; retry++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            var logger = services.GetRequiredService<ILogger<UnreadableMessages>>();
            var time = services.GetRequiredService<TimeProvider>();
            try
            {
                var received = new ReceivedMessage(context.GetMessageId(), context.ContentType?.MediaType, context.Body.GetBytes(), time.GetUtcNow());
                var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;

                var recorded = received.IsLargerThan(options.MaxEventBytes)
                    ? received.RejectAsTooLarge(null, options.MaxEventBytes)
                    : received.Reject(null, [rejection], options.RejectedPayloadRetention);
                var violation = recorded.Violations[0];
                await services.GetRequiredService<CompletionStore>()
                    .StoreAsync([], [recorded], context.CancellationToken);
                services.GetRequiredService<Hosting.ServiceMetrics>().EventsConsumed(1);
                logger.LogInformation("Rejected message {MessageId}: {Rule} at {Field}", received.MessageId, violation.Code, violation.Field);
                return;
            }
            catch (Exception exception) when (TransientDatabaseErrors.IsTransient(exception) && retry < TransientDatabaseErrors.RetryLimit
                && !context.CancellationToken.IsCancellationRequested)
            {
                // A database restart or fail-over: wait for it as the consumer's retry does, rather than
                // park in the error queue a message that a moment later could have been recorded.
                await Task.Delay(TransientDatabaseErrors.RetryDelay(retry), time, context.CancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError("Could not record rejected message {MessageId} ({Error}); moving it to the error queue",
                    context.GetMessageId(), exception.GetType().Name);
                await passOn();
                return;
            }
        }
    }

    /// <summary>On a message the error pipe has recorded (or moved to the error queue).</summary>
    private sealed class DealtWith;

    /// <summary>Names what is wrong by reading the body again, rather than trusting exception text.</summary>
    internal static Rejection Describe(byte[] body, Exception exception)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new Rejection(RuleCodes.NotAnEvent, "$", "is not a JSON object");
            }
        }
        catch (JsonException)
        {
            return new Rejection(RuleCodes.MalformedJson, "$", "is not valid JSON");
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : json.Path ?? "$";
                return new Rejection(RuleCodes.WrongType, field, "has a value of the wrong type");
            }
        }

        return new Rejection(RuleCodes.StorageFailed, "", $"the message could not be processed ({exception.GetType().Name})");
    }
}
