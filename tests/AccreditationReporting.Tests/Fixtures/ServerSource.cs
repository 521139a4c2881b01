namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Where a test server comes from, in the order our machines need: a connection string from the
/// environment, then Testcontainers when a Docker engine answers, then a throwaway local server.
/// </summary>
internal static class ServerSource
{
    public static async Task<(string Address, IAsyncDisposable? Owner)> ChooseAsync(
        string environmentVariable,
        Func<Task<(string, IAsyncDisposable)>> startContainer,
        Func<Task<(string, IAsyncDisposable)>> startLocal)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return (fromEnvironment, null);
        }

        if (DockerMayAnswer())
        {
            try
            {
                return await startContainer();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"Testcontainers could not start a container ({e.GetType().Name}); using a local server.");
            }
        }

        return await startLocal();
    }

    /// <summary>Keeps every test run on a Docker-less machine from paying for a failed probe.</summary>
    private static bool DockerMayAnswer() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    /// <summary>Stops servers this run started when the test process ends.</summary>
    public static void StopAtExit(IAsyncDisposable? owner)
    {
        if (owner is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => owner.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
