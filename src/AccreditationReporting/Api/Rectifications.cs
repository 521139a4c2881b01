using AccreditationReporting.Api.V1;
using AccreditationReporting.Privacy;

namespace AccreditationReporting.Api;

/// <summary>A correction as asked for, before it is checked: from a gRPC request or the console's form. Null leaves a value as it is.</summary>
internal sealed record AskedCorrection(
    string? PolicyVersion, string? FirstName, string? LastName, int? BirthMonth, int? BirthDay,
    string? LicenseState, string? LicenseId, string? Npi, IReadOnlyList<(string Board, string BoardId)> BoardIds);

/// <summary>What is wrong with one field of a request, named as the API names it.</summary>
internal sealed record FieldProblem(string Field, string Problem);

/// <summary>Checks a rectification request field by field, as ingestion checks the same values in an event.</summary>
internal static class Rectifications
{
    /// <summary>The API answers the first problem as INVALID_ARGUMENT naming its field.</summary>
    public static Rectification From(RectifyLearnerRequest request)
    {
        var (correction, problems) = Check(new AskedCorrection(
            request.PolicyVersion.Length > 0 ? request.PolicyVersion : null,
            request.HasFirstName ? request.FirstName : null, request.HasLastName ? request.LastName : null,
            request.HasBirthMonth ? request.BirthMonth : null, request.HasBirthDay ? request.BirthDay : null,
            request.HasLicenseState ? request.LicenseState : null, request.HasLicenseId ? request.LicenseId : null,
            request.HasNpi ? request.Npi : null,
            request.BoardIds.Select(b => (b.Board, b.BoardId)).ToList()));
        return problems.Count > 0 ? throw RequestErrors.InvalidArgument(problems[0].Field, problems[0].Problem) : correction!;
    }

    /// <summary>Every problem, in the order of the request's fields; the correction only when there is none.</summary>
    public static (Rectification? Correction, IReadOnlyList<FieldProblem> Problems) Check(AskedCorrection asked)
    {
        var problems = new List<FieldProblem>();
        void Problem(string field, string problem) => problems.Add(new FieldProblem(field, problem));

        if (asked.PolicyVersion is not null && !PolicyVersions.Shipped.Contains(asked.PolicyVersion))
        {
            Problem("policy_version", $"must be empty (every profile) or one of {string.Join(", ", PolicyVersions.Shipped)}");
        }

        var firstName = Text(asked.FirstName, "first_name", 200, problems);
        var lastName = Text(asked.LastName, "last_name", 200, problems);
        if (asked.BirthMonth.HasValue != asked.BirthDay.HasValue)
        {
            Problem(asked.BirthMonth.HasValue ? "birth_day" : "birth_month", "is required with the other part of the birth date");
        }
        else if (asked.BirthMonth is { } month)
        {
            if (month is < 1 or > 12)
            {
                Problem("birth_month", "must be a month from 1 to 12");
            }

            // Without a year, 29 February is a calendar day (2000 was a leap year).
            else if (asked.BirthDay < 1 || asked.BirthDay > DateTime.DaysInMonth(2000, month))
            {
                Problem("birth_day", "is not a day of birth_month");
            }
        }

        if (asked.LicenseState is { } state && (state.Length != 2 || !state.All(char.IsAsciiLetter)))
        {
            Problem("license_state", "must be a two-letter state code");
        }

        var licenseId = Text(asked.LicenseId, "license_id", 50, problems);
        if (asked.Npi is { } npi && (npi.Length != 10 || !npi.All(char.IsAsciiDigit)))
        {
            Problem("npi", "must be 10 digits");
        }

        var boardIds = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < asked.BoardIds.Count; i++)
        {
            var board = Text(asked.BoardIds[i].Board, $"board_ids[{i}].board", 50, problems);
            var boardId = Text(asked.BoardIds[i].BoardId, $"board_ids[{i}].board_id", 50, problems);
            if (board is not null && boardId is not null && !boardIds.TryAdd(board, boardId))
            {
                Problem($"board_ids[{i}].board", "names a board an earlier entry names");
            }
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var correction = new Rectification(
            asked.PolicyVersion, firstName, lastName, asked.BirthMonth, asked.BirthDay,
            asked.LicenseState?.ToUpperInvariant(), licenseId, asked.Npi, boardIds);
        return correction is { FirstName: null, LastName: null, BirthMonth: null, LicenseState: null, LicenseId: null, Npi: null, BoardIds.Count: 0 }
            ? (null, [new FieldProblem("first_name", "nothing to correct: give at least one corrected value")])
            : (correction, problems);
    }

    /// <summary>The trimmed value; null when none was given or it has a problem (then recorded).</summary>
    private static string? Text(string? value, string field, int maxLength, List<FieldProblem> problems)
    {
        var problem = value switch
        {
            null => null,
            _ when string.IsNullOrWhiteSpace(value) => "must not be blank",
            { Length: var n } when n > maxLength => $"must be at most {maxLength} characters",
            _ when value.Any(char.IsControl) => "must not contain control characters",
            _ => null,
        };
        if (problem is not null)
        {
            problems.Add(new FieldProblem(field, problem));
            return null;
        }

        return value?.Trim();
    }
}
