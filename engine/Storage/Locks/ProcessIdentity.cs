using System.Runtime.InteropServices;

namespace FxEngine.Storage.Locks;

/// <summary>
/// A process as the machine running it knows it, <c>&lt;boot id&gt;/&lt;pid namespace&gt;/&lt;pid&gt;/&lt;start time&gt;</c>
/// from Linux's <c>/proc</c> (null elsewhere). Processes of the same kernel boot and pid
/// namespace see the same pids, so one can tell whether another has ended: its pid names no
/// process now, or one that started later. Anything else (another machine or container, an
/// older lease without it) is never taken to have ended.
/// </summary>
internal static class ProcessIdentity
{
    /// <summary>This kernel boot and pid namespace, or null when /proc does not say.</summary>
    private static readonly string? Scope = ReadScope();

    public static string? OfThisProcess { get; } = Of(Environment.ProcessId);

    /// <summary>Whether the process <paramref name="identity"/> names has certainly ended.</summary>
    public static bool HasEnded(string? identity)
    {
        // Neither a boot id nor a namespace's name ("pid:[4026531836]") holds a '/'.
        var parts = identity?.Split('/');
        if (parts is not { Length: 4 } || Scope != $"{parts[0]}/{parts[1]}" || !int.TryParse(parts[2], out var pid) || pid <= 0)
            return false;
        // Another process under the pid: it was reused. None visible may also be one /proc hides
        // (mounted hidepid=2, another user's), which the kernel still knows: ask it.
        return Of(pid) is { } now ? now != identity : !Exists(pid);
    }

    /// <summary>Whether a process <paramref name="pid"/> exists, visible or not: kill(pid, 0) fails with ESRCH only for none.</summary>
    private static bool Exists(int pid)
    {
        try
        {
            return Signal(pid, 0) != NoSuchProcess;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return true; // cannot ask: not known to have ended
        }
    }

    /// <summary>ESRCH: no process has the pid (it ended).</summary>
    internal const int NoSuchProcess = 3;

    /// <summary>kill(2): sends <paramref name="signal"/> (0: none, only asks) to <paramref name="pid"/>; 0 when sent, else the errno.</summary>
    internal static int Signal(int pid, int signal) => Kill(pid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string? Of(int pid)
    {
        if (Scope is null)
            return null;
        try
        {
            // Field 22 of stat is the start time in clock ticks since boot; the command name
            // (field 2, in parentheses) may hold spaces, so fields are counted after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{Scope}/{pid}/{fields[22 - 3]}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string? ReadScope()
    {
        try
        {
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget;
            return boot.Length > 0 && pidNamespace is { Length: > 0 } ? $"{boot}/{pidNamespace}" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
