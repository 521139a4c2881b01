using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage;

/// <summary>
/// Small lists (board memberships, MOC designations) stored as jsonb. One serializer for EF and
/// for the hand-written upserts, so both write the same document.
/// </summary>
internal static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize<T>(List<T> value) => JsonSerializer.Serialize(value, Options);

    public static PropertyBuilder<List<T>> HasJsonbConversion<T>(this PropertyBuilder<List<T>> property) =>
        property
            .HasColumnType("jsonb")
            .HasConversion(
                value => Serialize(value),
                json => JsonSerializer.Deserialize<List<T>>(json, Options) ?? new List<T>(),
                new ValueComparer<List<T>>(
                    (left, right) => Serialize(left ?? new List<T>()) == Serialize(right ?? new List<T>()),
                    value => Serialize(value).GetHashCode(StringComparison.Ordinal),
                    value => JsonSerializer.Deserialize<List<T>>(Serialize(value), Options)!));
}
