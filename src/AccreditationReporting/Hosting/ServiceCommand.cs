namespace AccreditationReporting.Hosting;

/// <summary>
/// The verb the service was started with: <c>run</c> (the default), <c>demo</c> (run, then publish
/// sample completions and read them back over gRPC) or <c>migrate</c> (apply migrations and exit).
/// </summary>
public enum ServiceCommand
{
    Run,
    Demo,
    Migrate,
}

public static class ServiceCommandLine
{
    public static (ServiceCommand Command, string[] HostArguments) Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return (ServiceCommand.Run, args);
        }

        var command = args[0] switch
        {
            "run" => ServiceCommand.Run,
            "demo" => ServiceCommand.Demo,
            "migrate" => ServiceCommand.Migrate,
            _ => throw new ArgumentException($"Unknown command '{args[0]}': use run, demo or migrate."),
        };
        return (command, args[1..]);
    }
}
