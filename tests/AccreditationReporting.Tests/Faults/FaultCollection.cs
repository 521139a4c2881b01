namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// The fault scenarios run one after another, after every other test (xUnit runs a collection that
/// disables parallelization last, on its own): each loads both cores with a service process, servers
/// and a publisher, and would slow the rest of the suite past its timeouts, or be slowed past its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "Faults";
}
