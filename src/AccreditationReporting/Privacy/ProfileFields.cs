namespace AccreditationReporting.Privacy;

/// <summary>
/// The export fields whose values come from a learner's profile, by the names the recipient formats
/// use: what a rectification or a later event can change in a file a recipient already holds.
/// </summary>
public static class ProfileFields
{
    public const string FirstName = "first-name";
    public const string LastName = "last-name";
    public const string BirthMonthDay = "birth-month-day";
    public const string LicensingState = "licensing-state";

    /// <summary>The licence ID, or the NPI when there is none.</summary>
    public const string LicensingIdOrNpi = "licensing-id-or-npi";
    public const string CertifyingBoard = "certifying-board";
    public const string CertifyingBoardId = "certifying-board-id";

    public static readonly IReadOnlyList<string> All =
        [FirstName, LastName, BirthMonthDay, LicensingState, LicensingIdOrNpi, CertifyingBoard, CertifyingBoardId];
}
