using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Api;

public sealed class AuditApi(ReportingDbContext db, AuditVerifier verifier, CallAudit audit) : AuditService.AuditServiceBase
{
    [Authorize(Policy = AccessPolicies.ReadAuditTrail)]
    [Audited(AuditActions.AuditList)]
    public override async Task<ListAuditEventsResponse> ListAuditEvents(ListAuditEventsRequest request, ServerCallContext context)
    {
        var pageSize = Paging.PageSize(request.PageSize);
        var before = Paging.LastSeen(request.PageToken, first: long.MaxValue);
        if (request.From is not null && request.To is not null && request.To.ToDateTimeOffset() < request.From.ToDateTimeOffset())
        {
            throw RequestErrors.InvalidArgument("to", "is before from");
        }

        foreach (var (field, value) in new[] { ("actor", request.Actor), ("action", request.Action), ("target", request.Target) })
        {
            if (value.Length > Audit.AuditActor.MaxLength)
            {
                throw RequestErrors.InvalidArgument(field, $"must be at most {Audit.AuditActor.MaxLength} characters");
            }
        }

        var query = db.AuditEvents.AsNoTracking().Where(e => e.Id < before);
        if (request.Actor.Length > 0)
        {
            query = query.Where(e => e.ActorSubject == request.Actor || e.ActorName == request.Actor);
            audit.Details["actor"] = request.Actor;
        }

        if (request.Action.Length > 0)
        {
            query = query.Where(e => e.Action == request.Action);
            audit.Details["action"] = request.Action;
        }

        if (request.Target.Length > 0)
        {
            query = query.Where(e => e.Target == request.Target);
            audit.Target = request.Target;
        }

        if (request.From?.ToDateTimeOffset() is { } from)
        {
            query = query.Where(e => e.At >= from);
        }

        if (request.To?.ToDateTimeOffset() is { } to)
        {
            query = query.Where(e => e.At < to);
        }

        var page = await query.OrderByDescending(e => e.Id).Take(pageSize + 1).ToListAsync(context.CancellationToken);
        var response = new ListAuditEventsResponse { AuditEvents = { page.Take(pageSize).Select(ToMessage) } };
        if (page.Count > pageSize)
        {
            response.NextPageToken = Paging.Token(page[pageSize - 1].Id);
        }

        return response;
    }

    [Authorize(Policy = AccessPolicies.ReadAuditTrail)]
    [Audited(AuditActions.AuditVerify)]
    public override async Task<VerifyAuditTrailResponse> VerifyAuditTrail(VerifyAuditTrailRequest request, ServerCallContext context)
    {
        var result = await verifier.VerifyAsync(context.CancellationToken);
        audit.Details["intact"] = result.FirstBrokenId is null ? "true" : "false";
        audit.Details["entries_checked"] = result.EntriesChecked.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result.PurgedThrough > 0)
        {
            audit.Details["purged_through"] = result.PurgedThrough.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.FirstBrokenId is { } broken)
        {
            audit.Details["first_broken_id"] = broken.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new VerifyAuditTrailResponse
        {
            Intact = result.FirstBrokenId is null,
            EntriesChecked = result.EntriesChecked,
            FirstBrokenId = result.FirstBrokenId ?? 0,
            Problem = result.Problem ?? string.Empty,
            HeadId = result.HeadId,
            HeadHash = result.HeadHash,
            PurgedThrough = result.PurgedThrough,
        };
    }

    private static V1.AuditEvent ToMessage(Audit.AuditEvent entry)
    {
        var message = new V1.AuditEvent
        {
            Id = entry.Id,
            At = Timestamp.FromDateTimeOffset(entry.At),
            Actor = new V1.AuditActor
            {
                Subject = entry.ActorSubject,
                Name = entry.ActorName ?? string.Empty,
                Roles = { entry.ActorRoles },
                ClientId = entry.ActorClient ?? string.Empty,
                Peer = entry.Peer ?? string.Empty,
            },
            Action = entry.Action,
            Target = entry.Target ?? string.Empty,
            Outcome = entry.Outcome,
            Sha256 = entry.Sha256 ?? string.Empty,
            Details = { entry.Details },
            PreviousHash = entry.PreviousHash,
            Hash = entry.Hash,
        };
        if (entry.RowCount is { } rows)
        {
            message.RowCount = rows;
        }

        return message;
    }
}
