using System.Globalization;
using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace AccreditationReporting.Api;

/// <summary>Participation verification for ACCME's auditors (<see cref="ParticipationVerification"/>).</summary>
internal sealed class ParticipationApi(ParticipationVerification verification, CallAudit audit) : ParticipationService.ParticipationServiceBase
{
    /// <summary>As long as the profile column: a longer name cannot be stored, so cannot match.</summary>
    private const int MaxLastNameLength = 200;

    [Authorize(Policy = AccessPolicies.VerifyParticipation)]
    [Audited(AuditActions.ParticipationVerify)]
    public override async Task<VerifyParticipationResponse> VerifyParticipation(VerifyParticipationRequest request, ServerCallContext context)
    {
        var learner = LearnerOf(request);
        var activity = ActivityOf(request);

        // How the auditor asked, never the name or learner ID asked about: the trail names learners by key.
        audit.Details["learner_lookup"] = learner is LearnerToVerify.ById ? "learner-id" : "last-name-and-birth-date";
        var (activityField, activityValue) = activity switch
        {
            ActivityToVerify.ById byId => ("activity_id", byId.ActivityId),
            ActivityToVerify.ByAccmeId byAccmeId => ("accme_activity_id", byAccmeId.AccmeActivityId),
            _ => throw new InvalidOperationException($"unknown activity lookup {activity}"),
        };
        audit.Details[activityField] = activityValue;

        var found = await verification.VerifyAsync(learner, activity, context.CancellationToken);
        var learners = found.Select(p => p.LearnerKey).Distinct().Order().ToList();
        audit.Details["participations"] = found.Count.ToString(CultureInfo.InvariantCulture);
        switch (learners)
        {
            case []:
                // The same answer whether the learner, the activity or the completion is unknown, or
                // the 6 years have passed: nothing is verifiable.
                throw new RpcException(new Grpc.Core.Status(
                    StatusCode.NotFound, "No participation of that learner in that activity is on record within the retention period."));
            case [var only]:
                audit.Target = AuditEntry.Learner(only);
                break;
            default:
                audit.Details["learners"] = string.Join(",", learners.Select(AuditEntry.Learner));
                break;
        }

        return new VerifyParticipationResponse { Participations = { found.Select(ToProto) } };
    }

    private static LearnerToVerify LearnerOf(VerifyParticipationRequest request)
    {
        switch (request.LearnerCase)
        {
            case VerifyParticipationRequest.LearnerOneofCase.LearnerId:
                if (ExternalId.Problem(request.LearnerId) is { } problem)
                {
                    throw RequestErrors.InvalidArgument("learner_id", problem);
                }

                return new LearnerToVerify.ById(request.LearnerId);
            case VerifyParticipationRequest.LearnerOneofCase.ByName:
                var byName = request.ByName;
                var lastNameProblem = byName.LastName switch
                {
                    _ when string.IsNullOrWhiteSpace(byName.LastName) => "is required",
                    { Length: > MaxLastNameLength } => $"must be at most {MaxLastNameLength} characters",
                    _ when byName.LastName.Any(char.IsControl) => "must not contain control characters",
                    _ => null,
                };
                if (lastNameProblem is not null)
                {
                    throw RequestErrors.InvalidArgument("by_name.last_name", lastNameProblem);
                }

                if (byName.BirthMonth is < 1 or > 12)
                {
                    throw RequestErrors.InvalidArgument("by_name.birth_month", "must be a month from 1 to 12");
                }

                // No year: 29 February is a birthday.
                if (byName.BirthDay < 1 || byName.BirthDay > DateTime.DaysInMonth(2000, byName.BirthMonth))
                {
                    throw RequestErrors.InvalidArgument("by_name.birth_day", "is not a day of birth_month");
                }

                return new LearnerToVerify.ByName(byName.LastName, byName.BirthMonth, byName.BirthDay);
            default:
                throw RequestErrors.InvalidArgument("learner", "learner_id or by_name is required");
        }
    }

    private static ActivityToVerify ActivityOf(VerifyParticipationRequest request)
    {
        switch (request.ActivityCase)
        {
            case VerifyParticipationRequest.ActivityOneofCase.ActivityId:
                if (ExternalId.Problem(request.ActivityId) is { } problem)
                {
                    throw RequestErrors.InvalidArgument("activity_id", problem);
                }

                return new ActivityToVerify.ById(request.ActivityId);
            case VerifyParticipationRequest.ActivityOneofCase.AccmeActivityId:
                if (ExternalId.Problem(request.AccmeActivityId) is { } accmeProblem)
                {
                    throw RequestErrors.InvalidArgument("accme_activity_id", accmeProblem);
                }

                return new ActivityToVerify.ByAccmeId(request.AccmeActivityId);
            default:
                throw RequestErrors.InvalidArgument("activity", "activity_id or accme_activity_id is required");
        }
    }

    private static Participation ToProto(VerifiedParticipation participation) => new()
    {
        FirstName = participation.FirstName,
        LastName = participation.LastName,
        ActivityId = participation.ActivityId,
        AccmeActivityId = participation.AccmeActivityId ?? string.Empty,
        ActivityTitle = participation.ActivityTitle,
        ActivityEndDate = Date(participation.ActivityEndDate),
        CompletedOn = Date(participation.CompletedOn),
        Credits =
        {
            participation.Credits.Select(c => new ParticipationCredit
            {
                CreditType = c.CreditType switch
                {
                    Credits.CreditType.AmaPraCategory1 => V1.CreditType.AmaPraCategory1,
                    Credits.CreditType.Ecmec => V1.CreditType.Ecmec,
                    Credits.CreditType.Moc => V1.CreditType.Moc,
                    Credits.CreditType.Participation => V1.CreditType.Participation,
                    _ => V1.CreditType.Unspecified,
                },
                Board = c.Board ?? string.Empty,
                MocCreditType = c.MocCreditType ?? string.Empty,
                Claimed = (double)c.Claimed,
                Awarded = (double)c.Awarded,
            }),
        },
    };

    private static CalendarDate Date(DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };
}
