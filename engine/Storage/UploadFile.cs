namespace FxEngine.Storage;

/// <summary>
/// The local file an upload's bytes are written to until its commit publishes them (renamed
/// into place, or uploaded to S3). A write the machine refuses fails naming the object it was
/// for (<see cref="LocalWriteFailure"/>); <see cref="DiscardAsync"/> never fails, so the first
/// failure is the one a run reports, and the file goes however its last write ended.
/// </summary>
internal sealed class UploadFile(string path, string target) : Stream
{
    private readonly FileStream _file = Open(path, target);

    public override bool CanRead => _file.CanRead;
    public override bool CanSeek => _file.CanSeek;
    public override bool CanWrite => _file.CanWrite;
    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => _file.Position = value;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            _file.Write(buffer);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(ex);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(ex);
        }
    }

    public override void Flush() => Guard(_file.Flush);

    /// <summary>Writes what is buffered and has the disk keep it (fsync) before the file is published.</summary>
    public void FlushToDisk() => Guard(() => _file.Flush(flushToDisk: true));

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(ex);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

    public override void SetLength(long value) => Guard(() => _file.SetLength(value));

    /// <summary>Closes the file, writing what is buffered (a refusal fails as a write does).</summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(ex);
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Guard(_file.Dispose);
        base.Dispose(disposing);
    }

    /// <summary>Closes and deletes the file, whatever state a failed write left it in.</summary>
    public async ValueTask DiscardAsync()
    {
        try
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            // What was buffered is being thrown away: failing to write it does not matter.
        }
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            // Left for the next run's sweep: a staged .fxtmp, or a temp file named after this process.
        }
    }

    private static FileStream Open(string path, string target)
    {
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(path, target, ex);
        }
    }

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw Failed(ex);
        }
    }

    private FxException Failed(Exception ex) => Failed(path, target, ex);

    private static FxException Failed(string path, string target, Exception ex) =>
        new($"{target}: writing it failed: {LocalWriteFailure.Reason(ex, path)}", ex);
}
