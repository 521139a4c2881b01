using AccreditationReporting.Api.V1;
using AccreditationReporting.Privacy;

namespace AccreditationReporting.Api;

/// <summary>Checks a rectification request field by field, as ingestion checks the same values in an event.</summary>
internal static class Rectifications
{
    public static Rectification From(RectifyLearnerRequest request)
    {
        if (request.PolicyVersion.Length > 0 && !PolicyVersions.Shipped.Contains(request.PolicyVersion))
        {
            throw RequestErrors.InvalidArgument("policy_version", $"must be empty (every profile) or one of {string.Join(", ", PolicyVersions.Shipped)}");
        }

        var firstName = request.HasFirstName ? Text(request.FirstName, "first_name", 200) : null;
        var lastName = request.HasLastName ? Text(request.LastName, "last_name", 200) : null;
        if (request.HasBirthMonth != request.HasBirthDay)
        {
            throw RequestErrors.InvalidArgument(request.HasBirthMonth ? "birth_day" : "birth_month", "is required with the other part of the birth date");
        }

        if (request.HasBirthMonth && request.BirthMonth is < 1 or > 12)
        {
            throw RequestErrors.InvalidArgument("birth_month", "must be a month from 1 to 12");
        }

        // Without a year, 29 February is a calendar day (2000 was a leap year).
        if (request.HasBirthDay && (request.BirthDay < 1 || request.BirthDay > DateTime.DaysInMonth(2000, request.BirthMonth)))
        {
            throw RequestErrors.InvalidArgument("birth_day", "is not a day of birth_month");
        }

        if (request.HasLicenseState && (request.LicenseState.Length != 2 || !request.LicenseState.All(char.IsAsciiLetter)))
        {
            throw RequestErrors.InvalidArgument("license_state", "must be a two-letter state code");
        }

        var licenseId = request.HasLicenseId ? Text(request.LicenseId, "license_id", 50) : null;
        if (request.HasNpi && (request.Npi.Length != 10 || !request.Npi.All(char.IsAsciiDigit)))
        {
            throw RequestErrors.InvalidArgument("npi", "must be 10 digits");
        }

        var boardIds = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < request.BoardIds.Count; i++)
        {
            var board = Text(request.BoardIds[i].Board, $"board_ids[{i}].board", 50);
            var boardId = Text(request.BoardIds[i].BoardId, $"board_ids[{i}].board_id", 50);
            if (!boardIds.TryAdd(board, boardId))
            {
                throw RequestErrors.InvalidArgument($"board_ids[{i}].board", "names a board an earlier entry names");
            }
        }

        var correction = new Rectification(
            request.PolicyVersion.Length > 0 ? request.PolicyVersion : null, firstName, lastName,
            request.HasBirthMonth ? request.BirthMonth : null, request.HasBirthDay ? request.BirthDay : null,
            request.HasLicenseState ? request.LicenseState.ToUpperInvariant() : null, licenseId, request.HasNpi ? request.Npi : null, boardIds);
        return correction is { FirstName: null, LastName: null, BirthMonth: null, LicenseState: null, LicenseId: null, Npi: null, BoardIds.Count: 0 }
            ? throw RequestErrors.InvalidArgument("first_name", "nothing to correct: give at least one corrected value")
            : correction;
    }

    private static string Text(string value, string field, int maxLength) => value switch
    {
        _ when string.IsNullOrWhiteSpace(value) => throw RequestErrors.InvalidArgument(field, "must not be blank"),
        { Length: var n } when n > maxLength => throw RequestErrors.InvalidArgument(field, $"must be at most {maxLength} characters"),
        _ when value.Any(char.IsControl) => throw RequestErrors.InvalidArgument(field, "must not contain control characters"),
        _ => value.Trim(),
    };
}
