namespace AccreditationReporting.Tests.Fixtures;

/// <summary>The checkout the tests run from: the folder above the test binaries that holds the solution.</summary>
public static class RepositoryRoot
{
    public static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AccreditationReporting.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    public static string Folder => Find() ?? throw new InvalidOperationException($"no AccreditationReporting.sln above {AppContext.BaseDirectory}");
}
