namespace AccreditationReporting.Bench;

/// <summary>Reads from /proc that tolerate the process ending between listing and reading.</summary>
internal static class ProcFs
{
    public static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(n => n is not null && n.All(char.IsAsciiDigit))
            .Select(n => int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture));

    public static string? Comm(int pid) => Read($"/proc/{pid}/comm")?.TrimEnd('\n');

    public static string? Stat(int pid) => Read($"/proc/{pid}/stat");

    public static string Environ(int pid) => Read($"/proc/{pid}/environ") ?? string.Empty;

    /// <summary>A size field of /proc/&lt;pid&gt;/status (VmRSS, VmHWM, ...) in KiB, or null once the process is gone.</summary>
    public static long? StatusKiB(int pid, string field)
    {
        // Lines read "VmRSS:\t  123456 kB".
        var line = Read($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string[] CommandLine(int pid) => (Read($"/proc/{pid}/cmdline") ?? string.Empty).Split('\0');

    public static int? ParentPid(int pid)
    {
        var stat = Stat(pid);
        return stat is null ? null : int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
