using System.Globalization;

namespace AccreditationReporting.StaffConsole.Charts;

/// <summary>
/// A bar chart drawn on the server as SVG (no script, no front-end build): one group of bars per
/// label, one bar per series. The page also gives the numbers as a table, for screen readers and
/// for anyone who would rather read them.
/// </summary>
public sealed record BarChart(string Id, string Title, string ValueName, IReadOnlyList<string> Labels, IReadOnlyList<BarSeries> Series)
{
    public const double Width = 640, Height = 200, Left = 48, Right = 8, Top = 12, Bottom = 36;

    public long Max => Math.Max(1, Series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());

    /// <summary>Every label when they fit; otherwise about eight, evenly spaced back from the latest (today's), so they never overlap.</summary>
    public bool ShowsLabel(int index) => Labels.Count <= 10 || (Labels.Count - 1 - index) % (int)Math.Ceiling(Labels.Count / 8.0) == 0;

    public IEnumerable<(double X, double Y, double Width, double Height, string Label, BarSeries Series, long Value)> Bars()
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var group = plotWidth / Math.Max(1, Labels.Count);
        var bar = group * 0.8 / Math.Max(1, Series.Count);
        for (var i = 0; i < Labels.Count; i++)
        {
            for (var s = 0; s < Series.Count; s++)
            {
                var value = Series[s].Values[i];
                var height = plotHeight * value / Max;
                yield return (Left + (i * group) + (group * 0.1) + (s * bar), Top + plotHeight - height, bar, height, Labels[i], Series[s], value);
            }
        }
    }

    public double LabelX(int index) => Left + ((Width - Left - Right) / Math.Max(1, Labels.Count) * (index + 0.5));

    /// <summary>
    /// An SVG <c>text</c> element, encoded. Written out rather than as markup because Razor takes a
    /// <c>&lt;text&gt;</c> tag inside code for its own and would drop it.
    /// </summary>
    public static string Text(double x, double y, string anchor, string content) =>
        $"<text class=\"tick\" x=\"{Number(x)}\" y=\"{Number(y)}\" text-anchor=\"{anchor}\">{System.Net.WebUtility.HtmlEncode(content)}</text>";

    /// <summary>SVG coordinates in invariant form, whatever the server's culture.</summary>
    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <param name="Style">The CSS class that colours its bars and legend swatch.</param>
public sealed record BarSeries(string Name, string Style, IReadOnlyList<long> Values);
