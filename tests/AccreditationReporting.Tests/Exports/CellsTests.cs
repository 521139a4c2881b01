using System.Globalization;
using AccreditationReporting.Exports;

namespace AccreditationReporting.Tests.Exports;

/// <summary>The hand-written cell formats write exactly what the format strings they replace would.</summary>
public sealed class CellsTests
{
    [Fact]
    public void CreditsAreWrittenAsZeroHashHash()
    {
        for (var cents = 0; cents <= 1_000_000; cents++)
        {
            var value = cents / 100m;
            Assert.Equal(value.ToString("0.##", CultureInfo.InvariantCulture), Cells.Credits(value));
        }

        foreach (var value in new[] { 1.50m, 2.500m, 10m, 0.25m, 1000.00m, 0.0m })
        {
            Assert.Equal(value.ToString("0.##", CultureInfo.InvariantCulture), Cells.Credits(value));
        }

        Assert.Null(Cells.Credits(null));
    }

    [Fact]
    public void DatesAreWrittenAsTheirFormats()
    {
        for (var date = new DateOnly(1900, 1, 1); date <= new DateOnly(2100, 12, 31); date = date.AddDays(1))
        {
            Assert.Equal(date.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture), Cells.UsDate(date));
            Assert.Equal(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Cells.IsoDate(date));
            Assert.Equal($"{date.Month:00}/{date.Day:00}", Cells.MonthDay(date.Month, date.Day));
        }

        Assert.Null(Cells.UsDate(null));
        Assert.Null(Cells.IsoDate(null));
        Assert.Null(Cells.MonthDay(null, 3));
    }
}
