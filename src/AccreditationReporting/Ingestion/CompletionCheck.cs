using AccreditationReporting.Completions;
using AccreditationReporting.Contracts;
using AccreditationReporting.Credits;

namespace AccreditationReporting.Ingestion;

/// <summary>The records an event is stored as, or every rule it breaks.</summary>
public sealed record CheckResult(AcceptedCompletion? Accepted, IReadOnlyList<Rejection> Rejections)
{
    public bool IsAccepted => Accepted is not null;
}

/// <summary>
/// Turns a CourseCompleted event into the records to store, with the credit it earns, or names every
/// rule it breaks (../shared/DOMAIN.md, "Credit rules"). Pure: the same event, receipt time and
/// enabled policies always give the same answer, which is what makes replays trustworthy.
/// </summary>
public static class CompletionCheck
{
    /// <summary>A learner under this age is not accepted when a birth year is given (seeds 000 and 001).</summary>
    public const int MinimumAge = 16;

    /// <summary>Formats EACCME counts as live events, with the 3-per-half-day and 6-per-day ECMEC caps.</summary>
    private static readonly HashSet<string> LiveFormats = ["live", "internet-live", "regularly-scheduled-series"];

    /// <summary>ACCME's activity types, as the contract spells them.</summary>
    public static readonly IReadOnlySet<string> Formats = new HashSet<string>(
    [
        "live", "regularly-scheduled-series", "internet-live", "enduring-material", "internet-enduring", "journal",
        "manuscript-review", "test-item-writing", "committee-learning", "performance-improvement",
        "internet-searching", "learning-from-teaching", "other",
    ]);

    public static CheckResult Check(CourseCompleted message, DateTimeOffset receivedAt, IReadOnlySet<string> enabledPolicies)
    {
        var problems = new Problems();

        var eventId = problems.Required(message.EventId, "eventId");
        if (message.EventId == Guid.Empty)
        {
            problems.Add(RuleCodes.MalformedId, "eventId", "must not be the empty UUID");
        }

        var schemaVersion = problems.Required(message.SchemaVersion, "schemaVersion");
        if (message.SchemaVersion is not null && schemaVersion != CourseCompleted.CurrentSchemaVersion)
        {
            problems.Add(RuleCodes.UnsupportedSchemaVersion, "schemaVersion", $"only version {CourseCompleted.CurrentSchemaVersion} is understood");
        }

        var policyVersion = problems.RequiredText(message.PolicyVersion, "policyVersion", 80);
        if (policyVersion.Length > 0 && !enabledPolicies.Contains(policyVersion))
        {
            problems.Add(RuleCodes.PolicyNotEnabled, "policyVersion", "is not a policy version enabled in this deployment");
        }

        var occurredAt = problems.Required(message.OccurredAt, "occurredAt");
        if (message.OccurredAt is not null && occurredAt > receivedAt + ClockSkew)
        {
            problems.Add(RuleCodes.FutureDate, "occurredAt", "is later than the time the event was received");
        }

        var completedOn = problems.Required(message.CompletedOn, "completedOn");
        if (message.CompletedOn is not null && completedOn > LatestDateAnywhere(receivedAt))
        {
            problems.Add(RuleCodes.FutureDate, "completedOn", "is a date that has not begun anywhere yet");
        }

        var (learner, profile) = message.Learner is null
            ? (Missing<Learner>(problems, "learner"), null)
            : LearnerFrom(message.Learner, policyVersion, occurredAt, receivedAt, problems);
        var activity = message.Activity is null ? Missing<Activity>(problems, "activity") : ActivityFrom(message.Activity, occurredAt, problems);

        // Birth year is read for this check only and never stored (no recipient may have it).
        if (message.Learner?.BirthYear is { } birthYear && profile is not null && message.CompletedOn is not null
            && AgeOn(completedOn, birthYear, profile) < MinimumAge)
        {
            problems.Add(RuleCodes.UnderAge, "learner.birthYear", $"the learner was under {MinimumAge} on completedOn");
        }

        if (activity is not null && message.CompletedOn is not null && activity.StartDate <= activity.EndDate
            && (completedOn < activity.StartDate || completedOn > activity.EndDate))
        {
            problems.Add(RuleCodes.OutsideActivityDates, "completedOn", "is outside the activity's startDate and endDate");
        }

        var score = message.Assessment?.Score;
        problems.Range(score, 0, 100, "assessment.score");

        var claims = ClaimsFrom(message, profile, activity, problems);

        if (problems.Any || learner is null || profile is null || activity is null)
        {
            return new CheckResult(null, problems.Found);
        }

        var completion = new Completion
        {
            EventId = eventId,
            CompletedOn = completedOn,
            OccurredAt = occurredAt,
            ReceivedAt = receivedAt,
            PolicyVersion = policyVersion,
            AssessmentScore = score,
            EvaluationCompleted = message.EvaluationCompleted ?? false,
            BoardReportingConsent = message.Consents?.BoardReporting ?? false,
            StateBoardReportingConsent = message.Consents?.StateBoardReporting ?? false,
        };
        completion.Awards.AddRange(claims.Select(c => CreditRules.Award(c, learner, activity, completion)));
        return new CheckResult(new AcceptedCompletion(learner, profile, activity, completion), []);
    }

    /// <summary>Publishers' clocks drift; a few minutes ahead is drift, more is a wrong timestamp.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>completedOn is a local date: the learner may be as far east as UTC+14.</summary>
    private static DateOnly LatestDateAnywhere(DateTimeOffset receivedAt) =>
        DateOnly.FromDateTime(receivedAt.UtcDateTime.AddHours(14));

    private static T? Missing<T>(Problems problems, string field) where T : class
    {
        problems.Add(RuleCodes.Required, field, "is required");
        return null;
    }

    private static int AgeOn(DateOnly day, int birthYear, LearnerProfile profile) =>
        day.Year - birthYear - ((day.Month, day.Day).CompareTo((profile.BirthMonth, profile.BirthDay)) < 0 ? 1 : 0);

    /// <remarks>Email is checked for size (the schema allows it) and dropped: no recipient may have it.</remarks>
    private static (Learner, LearnerProfile) LearnerFrom(
        LearnerDetails details, string policyVersion, DateTimeOffset occurredAt, DateTimeOffset receivedAt, Problems problems)
    {
        if (ExternalId.Problem(details.LearnerId) is { } idProblem)
        {
            problems.Add(details.LearnerId is null or "" ? RuleCodes.Required : RuleCodes.MalformedId, "learner.learnerId", idProblem);
        }

        var profession = details.Profession switch
        {
            "physician" => Profession.Physician,
            "other" => Profession.Other,
            null => Fail(problems, RuleCodes.Required, "learner.profession", "is required", Profession.Other),
            _ => Fail(problems, RuleCodes.UnknownValue, "learner.profession", "must be 'physician' or 'other'", Profession.Other),
        };

        var birthMonth = problems.Required(details.BirthMonth, "learner.birthMonth");
        var birthDay = problems.Required(details.BirthDay, "learner.birthDay");
        if (details.BirthYear is { } year && (year < 1900 || year > receivedAt.Year))
        {
            problems.Add(RuleCodes.OutOfRange, "learner.birthYear", $"must be between 1900 and {receivedAt.Year}");
        }
        else if (details.BirthMonth is not null && (birthMonth < 1 || birthMonth > 12))
        {
            problems.Add(RuleCodes.NotACalendarDay, "learner.birthMonth", "must be a month from 1 to 12");
        }
        else if (details.BirthMonth is not null && details.BirthDay is not null
                 && (birthDay < 1 || birthDay > DateTime.DaysInMonth(details.BirthYear ?? 2000, birthMonth)))
        {
            // Without a birth year, 29 February is a calendar day (2000 was a leap year).
            problems.Add(RuleCodes.NotACalendarDay, "learner.birthDay", "is not a day of birthMonth");
        }

        var country = problems.RequiredText(details.Country, "learner.country", 2);
        problems.Pattern(country.Length == 0 ? null : country, char.IsAsciiLetter, 2, "learner.country", "an ISO 3166-1 alpha-2 code");
        problems.Pattern(details.Npi, char.IsAsciiDigit, 10, "learner.npi", "10 digits");
        problems.Pattern(details.LicenseState, char.IsAsciiLetter, 2, "learner.licenseState", "a two-letter state code");

        var boards = new List<Completions.BoardMembership>();
        var boardCount = problems.Items(details.Boards, CourseCompletedLimits.MaxBoards, "learner.boards");
        for (var i = 0; i < boardCount; i++)
        {
            var board = details.Boards![i];
            var field = $"learner.boards[{i}]";
            var name = problems.RequiredText(board?.Board, $"{field}.board", 50);
            var boardId = problems.RequiredText(board?.BoardId, $"{field}.boardId", 50);
            if (name.Length > 0 && boardId.Length > 0)
            {
                boards.Add(new Completions.BoardMembership(name, boardId));
            }
        }

        problems.OptionalText(details.Email, "learner.email", 320);
        var learner = new Learner
        {
            LearnerId = details.LearnerId ?? string.Empty,
            Profession = profession,
            Country = country.ToUpperInvariant(),
            ProfileAsOf = occurredAt,
        };
        var profile = new LearnerProfile
        {
            PolicyVersion = policyVersion,
            FirstName = problems.RequiredText(details.FirstName, "learner.firstName", 200),
            LastName = problems.RequiredText(details.LastName, "learner.lastName", 200),
            BirthMonth = birthMonth,
            BirthDay = birthDay,
            Npi = details.Npi,
            LicenseState = details.LicenseState?.ToUpperInvariant(),
            LicenseId = problems.OptionalText(details.LicenseId, "learner.licenseId", 50),
            // In one order, so a publisher listing the same boards in another is no change to correct.
            Boards = [.. boards.OrderBy(b => b.Board, StringComparer.Ordinal).ThenBy(b => b.BoardId, StringComparer.Ordinal)],
            ProfileAsOf = occurredAt,
        };
        return (learner, profile);
    }

    private static Activity ActivityFrom(ActivityDetails details, DateTimeOffset occurredAt, Problems problems)
    {
        if (ExternalId.Problem(details.ActivityId) is { } idProblem)
        {
            problems.Add(details.ActivityId is null or "" ? RuleCodes.Required : RuleCodes.MalformedId, "activity.activityId", idProblem);
        }

        var format = problems.RequiredText(details.Format, "activity.format", 40);
        if (format.Length > 0 && !Formats.Contains(format))
        {
            problems.Add(RuleCodes.UnknownValue, "activity.format", "is not one of ACCME's activity types");
        }

        var startDate = problems.Required(details.StartDate, "activity.startDate");
        var endDate = problems.Required(details.EndDate, "activity.endDate");
        if (details.StartDate is not null && details.EndDate is not null && endDate < startDate)
        {
            problems.Add(RuleCodes.DateOrder, "activity.endDate", "is before activity.startDate");
        }

        var days = endDate.DayNumber - startDate.DayNumber + 1;
        if (details.HalfDays is { } halfDays && (halfDays < 1 || halfDays > 2 * Math.Max(days, 1)))
        {
            problems.Add(RuleCodes.OutOfRange, "activity.halfDays", "must be between 1 and two per day of the activity");
        }

        var designated = details.DesignatedCredits;
        if (designated is null)
        {
            problems.Add(RuleCodes.Required, "activity.designatedCredits", "is required");
        }

        problems.Range(designated?.AmaPraCategory1, 0, 1000, "activity.designatedCredits.amaPraCategory1");
        problems.Range(designated?.Ecmec, 0, 1000, "activity.designatedCredits.ecmec");
        problems.Range(details.PassingScore, 0, 100, "activity.passingScore");

        var moc = new List<Completions.MocDesignation>();
        var mocCount = problems.Items(designated?.Moc, CourseCompletedLimits.MaxMocDesignations, "activity.designatedCredits.moc");
        for (var i = 0; i < mocCount; i++)
        {
            var entry = designated!.Moc![i];
            var field = $"activity.designatedCredits.moc[{i}]";
            var board = problems.RequiredText(entry?.Board, $"{field}.board", 50);
            var creditType = problems.RequiredText(entry?.CreditType, $"{field}.creditType", 100);
            var points = problems.Required(entry?.Points, $"{field}.points");
            problems.Range(entry?.Points, 0, 1000, $"{field}.points");
            if (board.Length > 0 && creditType.Length > 0)
            {
                moc.Add(new Completions.MocDesignation(board, creditType, points));
            }
        }

        return new Activity
        {
            ActivityId = details.ActivityId ?? string.Empty,
            Title = problems.RequiredText(details.Title, "activity.title", 500),
            Format = format,
            StartDate = startDate,
            EndDate = endDate,
            HalfDays = details.HalfDays,
            AccmeActivityId = problems.OptionalText(details.AccmeActivityId, "activity.accmeActivityId", 50),
            EaccmeEventCode = problems.OptionalText(details.EaccmeEventCode, "activity.eaccmeEventCode", 50),
            AmaPraCategory1Credits = designated?.AmaPraCategory1,
            EcmecCredits = designated?.Ecmec,
            MocDesignations = moc,
            PassingScore = details.PassingScore,
            JointProvider = problems.OptionalText(details.JointProvider, "activity.jointProvider", 200),
            DetailsAsOf = occurredAt,
        };
    }

    private static List<ClaimedCredit> ClaimsFrom(CourseCompleted message, LearnerProfile? learner, Activity? activity, Problems problems)
    {
        var claims = new List<ClaimedCredit>();
        var claimCount = problems.Items(message.Claims, CourseCompletedLimits.MaxClaims, "claims");
        for (var i = 0; i < claimCount; i++)
        {
            var claim = message.Claims![i];
            var field = $"claims[{i}]";
            if (claim is null)
            {
                problems.Add(RuleCodes.Required, field, "must be an object");
                continue;
            }

            CreditType? type = claim.CreditType switch
            {
                "ama-pra-category-1" => CreditType.AmaPraCategory1,
                "ecmec" => CreditType.Ecmec,
                "moc" => CreditType.Moc,
                "participation" => CreditType.Participation,
                null => Fail<CreditType?>(problems, RuleCodes.Required, $"{field}.creditType", "is required", null),
                _ => Fail<CreditType?>(problems, RuleCodes.UnknownValue, $"{field}.creditType", "must be ama-pra-category-1, ecmec, moc or participation", null),
            };
            var amount = problems.Required(claim.Amount, $"{field}.amount");
            if (type is not { } creditType || claim.Amount is null)
            {
                continue;
            }

            var board = creditType == CreditType.Moc ? problems.OptionalText(claim.Board, $"{field}.board", 50) : null;
            var mocCreditType = creditType == CreditType.Moc ? problems.RequiredText(claim.MocCreditType, $"{field}.mocCreditType", 100) : null;
            var claimed = new ClaimedCredit(creditType, amount, board, mocCreditType);
            if (claims.Any(c => c.CreditType == creditType && c.Board == board && c.MocCreditType == mocCreditType))
            {
                problems.Add(RuleCodes.DuplicateClaim, field, "claims the same credit as an earlier claim");
            }

            CheckAmount(claimed, field, activity, problems);
            if (creditType == CreditType.Moc)
            {
                CheckMocPermission(claimed, field, message, learner, problems);
            }

            claims.Add(claimed);
        }

        return claims;
    }

    private static void CheckAmount(ClaimedCredit claim, string field, Activity? activity, Problems problems)
    {
        if (claim.Amount <= 0)
        {
            problems.Add(RuleCodes.OutOfRange, $"{field}.amount", "must be greater than 0");
            return;
        }

        // AMA PRA credit (and the participation certificate that mirrors it) in quarter hours, ECMEC in half hours.
        var step = claim.CreditType switch
        {
            CreditType.AmaPraCategory1 or CreditType.Participation => 0.25m,
            CreditType.Ecmec => 0.5m,
            _ => (decimal?)null,
        };
        if (step is { } s && claim.Amount % s != 0)
        {
            problems.Add(RuleCodes.CreditStep, $"{field}.amount", $"must be a multiple of {s}");
        }

        if (activity is null)
        {
            return;
        }

        switch (CreditRules.Designated(claim, activity))
        {
            case null or 0:
                problems.Add(RuleCodes.NotDesignated, $"{field}.creditType", "the activity designates no credit of this type");
                break;
            case { } most when claim.Amount > most:
                problems.Add(RuleCodes.ExceedsDesignation, $"{field}.amount", "is more than the activity designates");
                break;
        }

        if (claim.CreditType == CreditType.Ecmec && LiveFormats.Contains(activity.Format))
        {
            var days = Math.Max(activity.EndDate.DayNumber - activity.StartDate.DayNumber + 1, 1);
            var cap = activity.HalfDays is { } halfDays ? 3m * halfDays : 6m * days;
            if (claim.Amount > cap)
            {
                problems.Add(RuleCodes.EcmecLiveLimit, $"{field}.amount", "is more than 3 ECMEC per half day or 6 per day of the live event");
            }
        }
    }

    private static void CheckMocPermission(ClaimedCredit claim, string field, CourseCompleted message, LearnerProfile? learner, Problems problems)
    {
        if (claim.Board is null)
        {
            problems.Add(RuleCodes.MocNeedsBoard, $"{field}.board", "a MOC claim must name the certifying board");
        }
        else if (learner is not null && !learner.Boards.Any(b => b.Board == claim.Board))
        {
            problems.Add(RuleCodes.MocNeedsBoardId, "learner.boards", "the learner has no board ID for the claimed board");
        }

        if (message.Consents?.BoardReporting != true)
        {
            problems.Add(RuleCodes.MocNeedsConsent, "consents.boardReporting", "MOC points are reported to the board only with the learner's permission");
        }
    }

    private static T Fail<T>(Problems problems, string code, string field, string reason, T fallback)
    {
        problems.Add(code, field, reason);
        return fallback;
    }
}

/// <summary>The event schema's <c>maxItems</c> (protos/events/course-completed.v1.schema.json).</summary>
internal static class CourseCompletedLimits
{
    public const int MaxClaims = 20;
    public const int MaxBoards = 20;
    public const int MaxMocDesignations = 20;
}
