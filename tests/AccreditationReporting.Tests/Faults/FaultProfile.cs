using System.Globalization;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// How big the fault scenarios run. The short profile runs with the rest of the suite (<c>./test.sh</c>);
/// <c>ACCREDITATION_FAULTS=full</c> gives the figures (50,000 events, 5 kills, a 30-second
/// database outage, the three-node cluster), which <c>.ci/run</c> runs after the suite.
/// <c>ACCREDITATION_FAULTS_SEED</c> repeats a run's random choices; every scenario prints the seed it used.
/// </summary>
public sealed record FaultProfile(string Name, int KillEvents, int Kills, int OutageEvents, int ClusterEvents, int ExportCompletions)
{
    public const string Variable = "ACCREDITATION_FAULTS";
    public const string SeedVariable = "ACCREDITATION_FAULTS_SEED";

    public static FaultProfile Short { get; } = new("short", KillEvents: 5_000, Kills: 3, OutageEvents: 4_000, ClusterEvents: 4_000, ExportCompletions: 3_000);

    public static FaultProfile Full { get; } = new("full", KillEvents: 50_000, Kills: 6, OutageEvents: 20_000, ClusterEvents: 30_000, ExportCompletions: 20_000);

    public static FaultProfile Current { get; } =
        string.Equals(Environment.GetEnvironmentVariable(Variable), "full", StringComparison.OrdinalIgnoreCase) ? Full : Short;

    /// <summary>The database stays down this long in both profiles: the figure.</summary>
    public static TimeSpan DatabaseOutage { get; } = TimeSpan.FromSeconds(30);

    public static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();
}
