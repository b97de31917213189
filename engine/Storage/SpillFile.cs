using Microsoft.Win32.SafeHandles;

namespace FxEngine.Storage;

/// <summary>
/// A local temp file that rows wait in when memory is short: appended by one writer, read at
/// any offset by any thread. It is deleted when disposed (success, failure or cancellation); a
/// killed process's file (.NET unlinks a DeleteOnClose file itself, which a kill -9 never reaches)
/// carries its pid and host and is swept by the next run (<see cref="LocalSpool"/>).
/// </summary>
internal sealed class SpillFile : IDisposable
{
    public const string Kind = "spill";

    private readonly SafeFileHandle _handle;
    private readonly Lock _append = new();
    private long _length;

    public SpillFile(string? directory = null)
    {
        Path = LocalSpool.NewPath(Kind, ".tmp", directory);
        try
        {
            if (directory is not null)
                Directory.CreateDirectory(directory);
            _handle = File.OpenHandle(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Refused(ex);
        }
    }

    public string Path { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length => Volatile.Read(ref _length);

    /// <summary>Appends the bytes; returns where they start.</summary>
    public long Append(ReadOnlySpan<byte> bytes)
    {
        lock (_append)
        {
            var at = _length;
            try
            {
                RandomAccess.Write(_handle, bytes, at);
            }
            catch (Exception ex) when (LocalWriteFailure.Is(ex))
            {
                throw Refused(ex);
            }
            Volatile.Write(ref _length, at + bytes.Length);
            return at;
        }
    }

    public void Read(long offset, Span<byte> into)
    {
        var done = 0;
        while (done < into.Length)
        {
            int read;
            try
            {
                read = RandomAccess.Read(_handle, into[done..], offset + done);
            }
            catch (IOException ex)
            {
                // EIO from a failing disk: the rows that waited there cannot be written, so the caller's commit must not happen.
                throw new FxException($"{Path}: reading spilled rows back failed ({ex.Message}); check the disk of {System.IO.Path.GetDirectoryName(Path)}", ex);
            }
            if (read == 0)
                throw new EndOfStreamException($"{Path}: spilled rows end early");
            done += read;
        }
    }

    /// <summary>A spill the machine refused, with what the operator can do about it.</summary>
    private FxException Refused(Exception ex) =>
        new($"spilling rows to local disk failed: {LocalWriteFailure.Reason(ex, Path)}. Free space there, point TMPDIR at a disk with room, " +
            "or give the run a larger --memory-budget so that fewer rows wait on disk", ex);

    public void Dispose()
    {
        _handle.Dispose();
        // DeleteOnClose already unlinked it on a normal close; this is the fallback.
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
