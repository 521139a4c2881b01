namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// The fault scenarios run one after another: each loads both cores with a service process, servers
/// and a publisher, and a scenario timed against another's load would measure nothing useful.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection
{
    public const string Name = "Faults";
}
