using System.Diagnostics;

namespace FxEngine.Storage;

/// <summary>
/// Files and folders a process keeps in the system temp folder while it works (S3 upload
/// spools, DuckDB's work folder). Their names carry the owner's pid, so a later process can
/// remove what a killed one left without touching a live one's.
/// </summary>
internal static class LocalSpool
{
    /// <summary>Names from before pids were recorded are removed once this old.</summary>
    private static readonly TimeSpan Unowned = TimeSpan.FromDays(1);

    public static string NewPath(string kind, string suffix = "") =>
        Path.Combine(Path.GetTempPath(), $"fxengine-{kind}-{Environment.ProcessId}-{Guid.NewGuid():N}{suffix}");

    /// <summary>Removes this kind's entries whose owner process is gone.</summary>
    public static void SweepDead(string kind)
    {
        var prefix = $"fxengine-{kind}-";
        foreach (var path in Directory.EnumerateFileSystemEntries(Path.GetTempPath(), prefix + "*"))
        {
            var rest = Path.GetFileName(path)[prefix.Length..];
            var dash = rest.IndexOf('-');
            var orphan = dash > 0 && int.TryParse(rest[..dash], out var pid)
                ? !Alive(pid)
                : DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > Unowned;
            if (!orphan)
                continue;
            try
            {
                if (Directory.Exists(path))
                    Directory.Delete(path, recursive: true);
                else
                    File.Delete(path);
            }
            catch (IOException)
            {
                // Another sweeper got there first, or the file is busy; the next sweep tries again.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's spool.
            }
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
