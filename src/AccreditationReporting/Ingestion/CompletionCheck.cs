using AccreditationReporting.Completions;
using AccreditationReporting.Contracts;
using CreditClaim = AccreditationReporting.Completions.CreditClaim;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Turns a CourseCompleted event into the records to store, or names every rule it breaks.
/// Rule codes are stable: callers and the rejected-events view match on them.
/// </summary>
public static class CompletionCheck
{
    public static AcceptedCompletion Accept(CourseCompleted message, DateTimeOffset receivedAt)
    {
        var problems = new List<Rejection>();
        void Reject(string code, string field, string reason) => problems.Add(new Rejection(code, field, reason));
        T Required<T>(T? value, string field) where T : struct
        {
            if (value is null)
            {
                Reject(RuleCodes.Required, field, "is required");
            }

            return value.GetValueOrDefault();
        }

        string RequiredText(string? value, string field)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Reject(RuleCodes.Required, field, "is required");
            }

            return value ?? string.Empty;
        }

        string Id(string? value, string field)
        {
            if (ExternalId.Problem(value) is { } problem)
            {
                Reject(value is null or "" ? RuleCodes.Required : RuleCodes.MalformedId, field, problem);
            }

            return value ?? string.Empty;
        }

        var eventId = Required(message.EventId, "eventId");
        var schemaVersion = Required(message.SchemaVersion, "schemaVersion");
        if (message.SchemaVersion is not null && schemaVersion != CourseCompleted.CurrentSchemaVersion)
        {
            Reject(RuleCodes.UnsupportedSchemaVersion, "schemaVersion", $"only version {CourseCompleted.CurrentSchemaVersion} is understood");
        }

        var occurredAt = Required(message.OccurredAt, "occurredAt");
        var policyVersion = RequiredText(message.PolicyVersion, "policyVersion");
        var completedOn = Required(message.CompletedOn, "completedOn");

        var learner = message.Learner;
        if (learner is null)
        {
            Reject(RuleCodes.Required, "learner", "is required");
        }

        var activity = message.Activity;
        if (activity is null)
        {
            Reject(RuleCodes.Required, "activity", "is required");
        }

        var profession = Profession.Other;
        if (learner is not null)
        {
            Id(learner.LearnerId, "learner.learnerId");
            RequiredText(learner.FirstName, "learner.firstName");
            RequiredText(learner.LastName, "learner.lastName");
            Required(learner.BirthMonth, "learner.birthMonth");
            Required(learner.BirthDay, "learner.birthDay");
            RequiredText(learner.Country, "learner.country");
            profession = learner.Profession switch
            {
                "physician" => Profession.Physician,
                "other" => Profession.Other,
                null => Fail(RuleCodes.Required, "learner.profession", "is required", Profession.Other),
                _ => Fail(RuleCodes.UnknownValue, "learner.profession", "must be 'physician' or 'other'", Profession.Other),
            };
        }

        if (activity is not null)
        {
            Id(activity.ActivityId, "activity.activityId");
            RequiredText(activity.Title, "activity.title");
            RequiredText(activity.Format, "activity.format");
            Required(activity.StartDate, "activity.startDate");
            Required(activity.EndDate, "activity.endDate");
        }

        var claims = new List<CreditClaim>();
        for (var i = 0; i < (message.Claims?.Count ?? 0); i++)
        {
            var claim = message.Claims![i];
            var field = $"claims[{i}]";
            if (claim is null)
            {
                Reject(RuleCodes.Required, field, "must be an object");
                continue;
            }

            CreditType? type = claim.CreditType switch
            {
                "ama-pra-category-1" => CreditType.AmaPraCategory1,
                "ecmec" => CreditType.Ecmec,
                "moc" => CreditType.Moc,
                "participation" => CreditType.Participation,
                null => Fail<CreditType?>(RuleCodes.Required, $"{field}.creditType", "is required", null),
                _ => Fail<CreditType?>(RuleCodes.UnknownValue, $"{field}.creditType", "must be ama-pra-category-1, ecmec, moc or participation", null),
            };
            var amount = Required(claim.Amount, $"{field}.amount");
            if (type is { } creditType)
            {
                claims.Add(new CreditClaim { CreditType = creditType, Amount = amount, Board = claim.Board, MocCreditType = claim.MocCreditType });
            }
        }

        if (problems.Count > 0)
        {
            throw new CompletionRejectedException(message.EventId, problems);
        }

        return new AcceptedCompletion(
            new Learner
            {
                LearnerId = learner!.LearnerId!,
                FirstName = learner.FirstName!,
                LastName = learner.LastName!,
                Email = learner.Email,
                BirthMonth = learner.BirthMonth!.Value,
                BirthDay = learner.BirthDay!.Value,
                BirthYear = learner.BirthYear,
                Profession = profession,
                Country = learner.Country!.ToUpperInvariant(),
                Npi = learner.Npi,
                LicenseState = learner.LicenseState,
                LicenseId = learner.LicenseId,
                Boards = (learner.Boards ?? [])
                    .Where(b => b is { Board: not null, BoardId: not null })
                    .Select(b => new Completions.BoardMembership(b.Board!, b.BoardId!))
                    .ToList(),
                ProfileAsOf = occurredAt,
            },
            new Activity
            {
                ActivityId = activity!.ActivityId!,
                Title = activity.Title!,
                Format = activity.Format!,
                StartDate = activity.StartDate!.Value,
                EndDate = activity.EndDate!.Value,
                AccmeActivityId = activity.AccmeActivityId,
                EaccmeEventCode = activity.EaccmeEventCode,
                AmaPraCategory1Credits = activity.DesignatedCredits?.AmaPraCategory1,
                EcmecCredits = activity.DesignatedCredits?.Ecmec,
                MocDesignations = (activity.DesignatedCredits?.Moc ?? [])
                    .Where(m => m is { Board: not null, CreditType: not null, Points: not null })
                    .Select(m => new Completions.MocDesignation(m.Board!, m.CreditType!, m.Points!.Value))
                    .ToList(),
                PassingScore = activity.PassingScore,
                JointProvider = activity.JointProvider,
                DetailsAsOf = occurredAt,
            },
            new Completion
            {
                EventId = eventId,
                CompletedOn = completedOn,
                OccurredAt = occurredAt,
                ReceivedAt = receivedAt,
                PolicyVersion = policyVersion,
                AssessmentScore = message.Assessment?.Score,
                EvaluationCompleted = message.EvaluationCompleted ?? false,
                BoardReportingConsent = message.Consents?.BoardReporting ?? false,
                StateBoardReportingConsent = message.Consents?.StateBoardReporting ?? false,
                Claims = claims,
            });

        T Fail<T>(string code, string field, string reason, T fallback)
        {
            Reject(code, field, reason);
            return fallback;
        }
    }
}

public static class RuleCodes
{
    public const string Required = "required";
    public const string MalformedId = "malformed-id";
    public const string UnknownValue = "unknown-value";
    public const string UnsupportedSchemaVersion = "unsupported-schema-version";
}
