using System.Diagnostics;

namespace AccreditationReporting.Hosting;

/// <summary>
/// Runs a shell command once this process is gone, however it ends (a killed test host or a
/// crashed service never runs its own clean-up), so throwaway servers never outlive their owner.
/// </summary>
public static class OrphanWatchdog
{
    public static void RunWhenThisProcessEnds(string shellCommand)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c",
                $"exec </dev/null >/dev/null 2>&1; while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; {shellCommand}",
                Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            UseShellExecute = false,
        };
        using var watchdog = Process.Start(start);
    }
}
