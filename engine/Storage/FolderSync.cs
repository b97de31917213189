using System.Runtime.InteropServices;

namespace FxEngine.Storage;

/// <summary>
/// Makes a folder's entries durable: a rename, or a file or folder created in it, survives a
/// power loss only once the folder itself is flushed (fsync on the folder). Without it a
/// committed file, or the table state naming it, can be missing after the machine restarts
/// while the run had reported success. Linux and the other Unixes (macOS's fsync stops at the
/// drive's cache, short of its F_FULLFSYNC); Windows has no folder to flush.
/// </summary>
internal static class FolderSync
{
    public static void Flush(string folder)
    {
        if (OperatingSystem.IsWindows())
            return;
        // Read-only (a folder opens so on every Unix), and closed on exec: a process started meanwhile (a step's hadoop) must not inherit it.
        var fd = Open(folder, ReadOnly | CloseOnExec);
        if (fd < 0)
            throw Failed(folder);
        try
        {
            int result;
            do
                result = Fsync(fd);
            while (result != 0 && Marshal.GetLastPInvokeError() == Interrupted);
            // Some network and FUSE file systems cannot flush a folder (EINVAL): nothing more to do there.
            if (result != 0 && Marshal.GetLastPInvokeError() != Unsupported)
                throw Failed(folder);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents, each made durable in the folder above it.</summary>
    public static void Create(string folder)
    {
        foreach (var created in CreateUnflushed(folder))
            Flush(Path.GetDirectoryName(created)!);
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents; returns the ones it created, outermost first, for the caller to flush the folders above them.</summary>
    public static IReadOnlyList<string> CreateUnflushed(string folder)
    {
        var missing = new List<string>();
        for (var f = folder; !Directory.Exists(f); f = Path.GetDirectoryName(f)!)
            missing.Add(f);
        Directory.CreateDirectory(folder);
        missing.Reverse();
        return missing;
    }

    private const int ReadOnly = 0; // O_RDONLY
    private static readonly int CloseOnExec = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000; // O_CLOEXEC (Linux's on every architecture .NET runs on)
    private const int Interrupted = 4; // EINTR
    private const int Unsupported = 22; // EINVAL

    private static IOException Failed(string folder) =>
        new($"'{folder}': flushing the folder to disk failed: {Marshal.GetLastPInvokeErrorMessage()}");

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
