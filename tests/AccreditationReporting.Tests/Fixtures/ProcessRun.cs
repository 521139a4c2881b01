using System.Diagnostics;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// Runs a process to its exit and returns what it printed; one still running at the limit is killed
/// with its children, so a hung start fails its test instead of the suite.
/// </summary>
public static class ProcessRun
{
    public static async Task<(int Exit, string Output, string Errors)> ToExitAsync(ProcessStartInfo start, TimeSpan? limit = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await errors);
    }
}
