using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using ReplayOutcome = AccreditationReporting.Ingestion.ReplayOutcome;
using RejectedEvent = AccreditationReporting.Ingestion.RejectedEvent;
using RejectionStatus = AccreditationReporting.Ingestion.RejectionStatus;

namespace AccreditationReporting.Api;

public sealed class IngestionApi(ReportingDbContext db, RejectedEventReplay replay, CallAudit audit) : IngestionService.IngestionServiceBase
{
    [Authorize(Policy = AccessPolicies.HandleRejectedEvents)]
    [Audited(AuditActions.RejectedEventsList)]
    public override async Task<ListRejectedEventsResponse> ListRejectedEvents(ListRejectedEventsRequest request, ServerCallContext context)
    {
        var pageSize = Paging.PageSize(request.PageSize);
        var after = Paging.LastSeen(request.PageToken, first: 0L);

        var query = db.RejectedEvents.AsNoTracking().Where(r => r.Id > after);
        query = request.Status switch
        {
            V1.RejectionStatus.Unspecified or V1.RejectionStatus.Open => query.Where(r => r.Status == RejectionStatus.Open),
            V1.RejectionStatus.Resolved => query.Where(r => r.Status == RejectionStatus.Resolved),
            V1.RejectionStatus.Any => query,
            _ => throw RequestErrors.InvalidArgument("status", "is not a known rejection status"),
        };
        if (request.RuleCode.Length > 0)
        {
            query = query.Where(r => r.RuleCode == request.RuleCode);
        }

        if (request.EventId.Length > 0)
        {
            var eventId = Guid.TryParse(request.EventId, out var parsed)
                ? parsed
                : throw RequestErrors.InvalidArgument("event_id", "must be a UUID");
            query = query.Where(r => r.EventId == eventId);
        }

        // The payload is never read here: it is personal data and only replays need it.
        var page = await query.OrderBy(r => r.Id).Take(pageSize + 1)
            .Select(r => new RejectedEvent
            {
                Id = r.Id, EventId = r.EventId, MessageId = r.MessageId, ReceivedAt = r.ReceivedAt, LastReceivedAt = r.LastReceivedAt,
                TimesReceived = r.TimesReceived, Violations = r.Violations, Status = r.Status, ResolvedAt = r.ResolvedAt,
                Replays = r.Replays, PayloadExpiresAt = r.Payload != null ? r.PayloadExpiresAt : null,
            })
            .ToListAsync(context.CancellationToken);

        var response = new ListRejectedEventsResponse { RejectedEvents = { page.Take(pageSize).Select(ToMessage) } };
        audit.Details["rejected_events"] = response.RejectedEvents.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (page.Count > pageSize)
        {
            response.NextPageToken = Paging.Token(page[pageSize - 1].Id);
        }

        return response;
    }

    [Authorize(Policy = AccessPolicies.HandleRejectedEvents)]
    [Audited(AuditActions.RejectedEventsReplay)]
    public override async Task<ReplayRejectedEventsResponse> ReplayRejectedEvents(ReplayRejectedEventsRequest request, ServerCallContext context)
    {
        if (request.AllOpen == (request.Ids.Count > 0))
        {
            throw RequestErrors.InvalidArgument("ids", "give either ids or all_open, not both or neither");
        }

        if (request.Ids.Count > RejectedEventReplay.MaxPerCall)
        {
            throw RequestErrors.InvalidArgument("ids", $"at most {RejectedEventReplay.MaxPerCall} per call");
        }

        // Which rejections were asked for, before any is replayed: a call cut off half-way still says so.
        audit.Target = request.AllOpen ? "rejected-events:all-open" : "rejected-events";
        if (!request.AllOpen)
        {
            audit.Details["ids"] = string.Join(",", request.Ids);
        }

        var results = request.AllOpen
            ? await replay.ReplayAllOpenAsync(context.CancellationToken)
            : await replay.ReplayAsync(request.Ids, context.CancellationToken);

        // Which rejections were replayed and what became of each: IDs and outcomes, no payload.
        if (request.AllOpen)
        {
            audit.Details["ids"] = string.Join(",", results.Select(r => r.Id));
        }

        foreach (var outcome in results.GroupBy(r => r.Outcome))
        {
            audit.Details[outcome.Key.ToString()] = outcome.Count().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new ReplayRejectedEventsResponse
        {
            Results =
            {
                results.Select(r => new V1.ReplayResult
                {
                    Id = r.Id,
                    Outcome = r.Outcome switch
                    {
                        ReplayOutcome.Stored => V1.ReplayOutcome.Stored,
                        ReplayOutcome.AlreadyStored => V1.ReplayOutcome.AlreadyStored,
                        ReplayOutcome.StillRejected => V1.ReplayOutcome.StillRejected,
                        ReplayOutcome.PayloadExpired => V1.ReplayOutcome.PayloadExpired,
                        ReplayOutcome.NotOpen => V1.ReplayOutcome.NotOpen,
                        _ => V1.ReplayOutcome.NotFound,
                    },
                    Violations = { r.Violations.Select(ToMessage) },
                }),
            },
        };
    }

    private static V1.RejectedEvent ToMessage(RejectedEvent r)
    {
        var message = new V1.RejectedEvent
        {
            Id = r.Id,
            EventId = r.EventId?.ToString() ?? "",
            MessageId = r.MessageId?.ToString() ?? "",
            ReceivedAt = Timestamp.FromDateTimeOffset(r.ReceivedAt),
            LastReceivedAt = Timestamp.FromDateTimeOffset(r.LastReceivedAt),
            TimesReceived = r.TimesReceived,
            Violations = { r.Violations.Select(ToMessage) },
            Status = r.Status == RejectionStatus.Open ? V1.RejectionStatus.Open : V1.RejectionStatus.Resolved,
            Replays = r.Replays,
            PayloadRetained = r.PayloadExpiresAt is not null,
        };
        if (r.ResolvedAt is { } resolvedAt)
        {
            message.ResolvedAt = Timestamp.FromDateTimeOffset(resolvedAt);
        }

        if (r.PayloadExpiresAt is { } expiresAt)
        {
            message.PayloadExpiresAt = Timestamp.FromDateTimeOffset(expiresAt);
        }

        return message;
    }

    private static Violation ToMessage(Rejection rejection) =>
        new() { RuleCode = rejection.Code, Field = rejection.Field, Reason = rejection.Reason };
}
