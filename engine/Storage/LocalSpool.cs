using System.Diagnostics;

namespace FxEngine.Storage;

/// <summary>
/// Files and folders a process keeps in the system temp folder while it works (S3 upload
/// spools, DuckDB's work folder). Their names carry the owner's host and pid, so a later
/// process on the same host can remove what a killed one left without touching a live one's.
/// A temp folder shared across pid namespaces (containers) holds other hosts' entries, whose
/// pids mean nothing here: those are removed only once they are a day old.
/// </summary>
internal static class LocalSpool
{
    /// <summary>Entries of other hosts, or from before owners were recorded, are removed once this old.</summary>
    private static readonly TimeSpan Unowned = TimeSpan.FromDays(1);

    /// <summary>A new entry's path in <paramref name="directory"/> (default: the system temp folder).</summary>
    public static string NewPath(string kind, string suffix = "", string? directory = null) =>
        Path.Combine(directory ?? Path.GetTempPath(), $"fxengine-{kind}-{Environment.ProcessId}-{Host}-{Guid.NewGuid():N}{suffix}");

    /// <summary>The machine name as it may stand in a file name.</summary>
    private static string Host { get; } = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>Removes this kind's entries whose owner process is gone.</summary>
    public static void SweepDead(string kind, string? directory = null)
    {
        var prefix = $"fxengine-{kind}-";
        directory ??= Path.GetTempPath();
        if (!Directory.Exists(directory))
            return;
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, prefix + "*"))
        {
            var parts = Path.GetFileName(path)[prefix.Length..].Split('-');
            var orphan = parts.Length >= 3 && parts[1] == Host && int.TryParse(parts[0], out var pid)
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
