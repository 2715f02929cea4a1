using System.Globalization;

namespace PerfSim.Cli;

/// <summary>The process's peak resident memory: the kernel's high-water mark (VmHWM in /proc/self/status) on Linux.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident bytes so far; elsewhere the runtime's peak working set.</summary>
    public static long PeakResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>The line replay prints on standard error at its end (the stream bench reads it back).</summary>
    public static string PeakLine() =>
        string.Create(CultureInfo.InvariantCulture, $"peak resident memory: {PeakResidentBytes() / (1024.0 * 1024):F0} MB");
}
