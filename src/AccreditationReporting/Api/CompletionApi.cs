using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Profession = AccreditationReporting.Completions.Profession;

namespace AccreditationReporting.Api;

public sealed class CompletionApi(ReportingDbContext db, CallAudit audit) : CompletionService.CompletionServiceBase
{
    [Authorize(Policy = AccessPolicies.ReadLearnerRecords)]
    [Audited(AuditActions.LearnerRecordRead)]
    public override async Task<LearnerRecord> GetLearnerRecord(GetLearnerRecordRequest request, ServerCallContext context)
    {
        if (ExternalId.Problem(request.LearnerId) is { } problem)
        {
            throw RequestErrors.InvalidArgument("learner_id", problem);
        }

        var learner = await db.Learners.AsNoTracking()
            .SingleOrDefaultAsync(l => l.LearnerId == request.LearnerId, context.CancellationToken)
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "No completion is stored for that learner_id."));
        audit.Target = AuditEntry.Learner(learner.Id);

        var completions = await db.Completions.AsNoTracking()
            .Where(c => c.LearnerKey == learner.Id)
            .Include(c => c.Activity)
            .Include(c => c.Awards)
            .OrderByDescending(c => c.CompletedOn).ThenByDescending(c => c.OccurredAt)
            .AsSplitQuery()
            .ToListAsync(context.CancellationToken);
        var eventIds = completions.ToDictionary(c => c.Id, c => c.EventId);

        // The name as most recently described under any policy: staff read it here, no recipient does.
        var profile = await db.LearnerProfiles.AsNoTracking()
            .Where(p => p.LearnerKey == learner.Id)
            .OrderByDescending(p => p.ProfileAsOf)
            .FirstOrDefaultAsync(context.CancellationToken);

        return new LearnerRecord
        {
            LearnerId = learner.LearnerId,
            FirstName = profile?.FirstName ?? string.Empty,
            LastName = profile?.LastName ?? string.Empty,
            Profession = learner.Profession == Profession.Physician ? V1.Profession.Physician : V1.Profession.Other,
            Country = learner.Country,
            Completions = { completions.Select(c => ToRecord(c, eventIds)) },
        };
    }

    private static CompletionRecord ToRecord(Completion completion, Dictionary<long, Guid> eventIds)
    {
        var record = new CompletionRecord
        {
            EventId = completion.EventId.ToString(),
            ActivityId = completion.Activity!.ActivityId,
            ActivityTitle = completion.Activity.Title,
            ActivityFormat = completion.Activity.Format,
            CompletedOn = new CalendarDate { Year = completion.CompletedOn.Year, Month = completion.CompletedOn.Month, Day = completion.CompletedOn.Day },
            EvaluationCompleted = completion.EvaluationCompleted,
            PolicyVersion = completion.PolicyVersion,
            OccurredAt = Timestamp.FromDateTimeOffset(completion.OccurredAt),
            Current = completion.SupersededBy is null,
            Awards =
            {
                completion.Awards.OrderBy(a => a.Id).Select(a => new V1.CreditAward
                {
                    CreditType = a.CreditType switch
                    {
                        Credits.CreditType.AmaPraCategory1 => V1.CreditType.AmaPraCategory1,
                        Credits.CreditType.Ecmec => V1.CreditType.Ecmec,
                        Credits.CreditType.Moc => V1.CreditType.Moc,
                        Credits.CreditType.Participation => V1.CreditType.Participation,
                        _ => V1.CreditType.Unspecified,
                    },
                    Board = a.Board ?? string.Empty,
                    MocCreditType = a.MocCreditType ?? string.Empty,
                    Claimed = (double)a.Claimed,
                    Awarded = (double)a.Awarded,
                    NotAwardedReason = a.NotAwardedReason ?? string.Empty,
                }),
            },
        };
        if (completion.SupersededBy is { } next)
        {
            record.SupersededByEventId = eventIds[next].ToString();
            record.SupersededAt = Timestamp.FromDateTimeOffset(completion.SupersededAt!.Value);
        }

        if (completion.ErasedAt is { } erasedAt)
        {
            record.ErasedAt = Timestamp.FromDateTimeOffset(erasedAt);
        }

        if (completion.AssessmentScore is { } score)
        {
            record.AssessmentScore = (double)score;
        }

        return record;
    }
}
