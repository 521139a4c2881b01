using System.Globalization;

namespace AccreditationReporting.Api;

/// <summary>
/// Keyset paging as every list method does it: a page size of 1 to 1000 (100 when 0), and a page
/// token that is the ID the previous page ended at, so a page never shifts when rows are added.
/// </summary>
internal static class Paging
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static int PageSize(int requested) => requested switch
    {
        0 => DefaultPageSize,
        < 0 or > MaxPageSize => throw RequestErrors.InvalidArgument("page_size", $"must be between 1 and {MaxPageSize}"),
        var size => size,
    };

    /// <summary>The ID the previous page ended at, or <paramref name="first"/> for the first page.</summary>
    public static long LastSeen(string token, long first) => token switch
    {
        "" => first,
        _ when long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 => id,
        _ => throw RequestErrors.InvalidArgument("page_token", "is not a token this service returned"),
    };

    public static string Token(long id) => id.ToString(CultureInfo.InvariantCulture);
}
