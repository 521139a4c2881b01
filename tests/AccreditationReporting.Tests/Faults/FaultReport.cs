using AccreditationReporting.Tests.Fixtures;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// Where a scenario prints what it checked: the test's output, and one file per run
/// (<c>artifacts/faults/figures.txt</c> at the repository's root) that <c>./test.sh</c> and <c>.ci/run</c>
/// print at the end, since a passing test's output is otherwise not shown.
/// </summary>
public sealed class FaultReport(ITestOutputHelper output, string scenario)
{
    private static readonly Lock FileLock = new();

    public static string FilePath { get; } = Path.Combine(RepositoryRoot.Find() ?? Path.GetTempPath(), "artifacts", "faults", "figures.txt");

    public void Line(string text)
    {
        var line = $"[{FaultProfile.Current.Name}] {scenario}: {text}";
        output.WriteLine(line);
        lock (FileLock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }
    }
}
