namespace FxEngine.Storage.Locks;

/// <summary>
/// The run lock of a local folder: an exclusive advisory lock (flock on Unix, a share lock on
/// Windows) held on <c>_fxengine/lock</c> for the run's lifetime. The kernel drops it when the
/// process dies, however it dies, so a killed run never leaves it stuck; the holder's details
/// sit beside it in <c>lock.json</c> for a refused run to name.
/// </summary>
internal sealed class LocalFileLock : ILocationLock
{
    private readonly FileStream _handle;
    private readonly string _holderPath;

    private LocalFileLock(FileStream handle, string holderPath, LockHolder holder)
    {
        _handle = handle;
        _holderPath = holderPath;
        Holder = holder;
    }

    public LockHolder Holder { get; }

    /// <summary>A kernel lock cannot be taken away while the process lives.</summary>
    public CancellationToken Lost => CancellationToken.None;

    public static LockAttempt TryAcquire(string root, LockHolder holder)
    {
        var folder = Path.Combine(root, "_fxengine");
        var (lockPath, holderPath) = (Path.Combine(folder, "lock"), Path.Combine(folder, "lock.json"));
        try
        {
            // Durable in its parent, and so on up: a first run into a new output creates its root here.
            FolderSync.Create(folder);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Refused(folder, ex);
        }
        FileStream handle;
        try
        {
            // .NET takes flock(LOCK_EX | LOCK_NB) for FileShare.None: a second opener fails at once.
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (HeldElsewhere(ex))
        {
            // The holder writes its details just after taking the lock: give it a moment.
            var holderNow = ReadHolder(holderPath);
            for (var tries = 0; holderNow is null && tries < 10; tries++)
            {
                Thread.Sleep(20);
                holderNow = ReadHolder(holderPath);
            }
            return LockAttempt.Refused(holderNow);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Refused(lockPath, ex); // a read-only file system, say: not another run's lock
        }
        try
        {
            File.WriteAllBytes(holderPath, holder.ToJson());
        }
        catch (Exception ex)
        {
            handle.Dispose();
            if (LocalWriteFailure.Is(ex))
                throw Refused(holderPath, ex);
            throw;
        }
        return LockAttempt.Taken(new LocalFileLock(handle, holderPath, holder));
    }

    /// <summary>
    /// Whether opening the lock failed because another process holds it: flock's EWOULDBLOCK,
    /// which .NET reports as its errno (11 on Linux, 35 on macOS), or a sharing violation on Windows.
    /// </summary>
    private static bool HeldElsewhere(IOException ex) =>
        OperatingSystem.IsWindows() ? (ex.HResult & 0xFFFF) == 32 : ex.HResult == (OperatingSystem.IsMacOS() ? 35 : 11);

    /// <summary>A lock the machine would not let this run write (a full disk, a refused permission).</summary>
    private static FxException Refused(string path, Exception ex) =>
        new($"{path}: taking the run lock failed: {LocalWriteFailure.Reason(ex, path)}", ex);

    public Task EnsureHeldAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        // The holder file goes first: once the lock is free, it may already be the next run's.
        try
        {
            File.Delete(_holderPath);
        }
        catch (IOException)
        {
            // Only a description; the next holder overwrites it.
        }
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }

    private static LockHolder? ReadHolder(string path)
    {
        try
        {
            return LockHolder.FromJson(File.ReadAllBytes(path));
        }
        catch (IOException)
        {
            return null; // not written yet, or just removed
        }
    }
}
