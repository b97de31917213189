using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Storage;
using FxEngine.Storage.Locks;
using FxEngine.Table;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>
/// The table a stream appends to, output and rejects, and its commit: under the table's run lock
/// (batch runs take the same lock, so they interleave with flushes), each flush writes one file
/// per touched partition under <c>_fxengine/stream/&lt;flush&gt;/</c>, stores the table state naming
/// those files and the offsets they hold (the commit point), moves the files in place and clears
/// the note. A kill before the state write leaves only staging, swept on the
/// next start; a kill after it leaves a recorded flush whose moves the next start finishes. So
/// each row is in the table once, whatever stops the process. The stream's files are named
/// <c>stream-*.parquet</c>: batch runs replace only their own <c>part-*</c> files.
/// </summary>
internal sealed class StreamTable(IObjectStore output, IObjectStore rejects, Action<string>? log, CancellationToken streamLockLost = default)
{
    public const string StagingRoot = "_fxengine/stream/";

    /// <summary>How long a flush waits for a batch run holding the table to finish.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromDays(1);

    public IObjectStore Output => output;

    public IObjectStore Rejects => rejects;

    /// <summary>
    /// Finishes a flush a killed stream committed but did not finish moving, removes staging it
    /// never committed, and returns the state to resume from. The caller holds the stream lock.
    /// </summary>
    public async Task<TableState?> RecoverAsync(CancellationToken cancellationToken)
    {
        await using var tableLock = await RunLock.AcquireAsync([output, rejects], $"stream-recovery-{Guid.NewGuid():N}", LockWait, log, cancellationToken).ConfigureAwait(false);
        await TableIdentity.ClaimAsync(output, rejects, cancellationToken).ConfigureAwait(false);
        var state = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false);
        if (state?.Stream?.Publishing is { } publishing)
        {
            log?.Invoke($"{output.Root}: finishing flush {publishing.Flush}, committed before the last stop but not all moved in place");
            // The moves the stopped stream made may never have been flushed, and the ones found done are not redone.
            foreach (var store in new[] { output, rejects })
                await store.FlushAllAsync(CancellationToken.None).ConfigureAwait(false);
            await PublishAsync(publishing, CancellationToken.None).ConfigureAwait(false);
            state = state with { Stream = state.Stream with { Publishing = null } };
            await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
        }
        foreach (var store in new[] { output, rejects })
        {
            foreach (var key in await KeysAsync(store, StagingRoot, cancellationToken).ConfigureAwait(false))
                await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            await store.SweepAsync(cancellationToken).ConfigureAwait(false);
        }
        return state;
    }

    /// <summary>Writes a flush's rows, one file per partition, under its staging folder; the batches are the writers' from then on.</summary>
    public async Task<StreamFlushFiles> StageAsync(string flush, NormalizedBatch rows, ColumnBatch? invalid, CancellationToken cancellationToken)
    {
        await using var staging = Stage(flush);
        await staging.AddAsync(rows, invalid, cancellationToken).ConfigureAwait(false);
        return await staging.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A flush being written: any number of batches, one file per partition, one row group per batch.</summary>
    public StagedFlush Stage(string flush) => new(output, rejects, flush);

    /// <summary>
    /// Publishes a staged flush: under the table lock, the state <paramref name="update"/> makes of
    /// the current one (with the flush recorded as publishing) is stored, the files are moved in
    /// place, and the record is cleared. Returns the stored state. Once the state is written the
    /// flush is committed: the moves run to their end whatever the token says. A failure before
    /// the state write removes the staging; one after it leaves everything for the next start.
    /// </summary>
    public async Task<TableState> CommitAsync(string flush, Func<CancellationToken, Task<StreamFlushFiles>> stage, Func<TableState?, StreamState> update,
        CancellationToken cancellationToken)
    {
        // Until the state write is attempted the staging is this flush's to remove; from then on
        // (even if that write fails: it may have landed) the next start decides, by the state.
        var committing = false;
        try
        {
            // Staged under the lock too: every write to the table's locations happens under its
            // run lock, so a batch run's sweep never meets a flush half-written.
            await using var tableLock = await RunLock.AcquireAsync([output, rejects], $"stream-{flush}", LockWait, log, cancellationToken).ConfigureAwait(false);
            var files = await stage(cancellationToken).ConfigureAwait(false);
            var current = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false);
            var stream = update(current) with { Publishing = files };
            var state = (current ?? new TableState()) with { Stream = stream };
            await tableLock.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
            StopIfStreamLockLost();
            committing = true;
            await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
            await PublishAsync(files, CancellationToken.None).ConfigureAwait(false);
            state = state with { Stream = stream with { Publishing = null } };
            await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
            return state;
        }
        catch (Exception) when (!committing)
        {
            await DiscardAsync(flush).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not FxException || ex.InnerException is not null)
        {
            // A failure the store wrapped (a move the disk refused) needs the way out too; the commit's own refusals say theirs.
            throw new FxException($"{output.Root}: flush {flush} failed at its commit ({ex.Message}); it stopped, and the next start finishes the commit or drops the flush, by what the table state says", ex);
        }
    }

    /// <summary>Replaces the stream's state alone (no files), under the table lock.</summary>
    public async Task<TableState> UpdateAsync(Func<StreamState, StreamState> update, CancellationToken cancellationToken)
    {
        await using var tableLock = await RunLock.AcquireAsync([output, rejects], $"stream-state-{Guid.NewGuid():N}", LockWait, log, cancellationToken).ConfigureAwait(false);
        var current = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false)
            ?? throw new FxException($"{output.Root}: the table state is gone; the stream cannot record its progress");
        var state = current with { Stream = update(current.Stream ?? new StreamState()) };
        await tableLock.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        StopIfStreamLockLost();
        await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
        return state;
    }

    /// <summary>A stream whose lock lapsed (an S3 lease not renewed) may have a successor reading the same offsets: it must not commit.</summary>
    private void StopIfStreamLockLost()
    {
        if (streamLockLost.IsCancellationRequested)
            throw new FxException($"{output.Root}: the stream lost its lock (its lease could not be renewed) before a commit; it stopped without committing, and a restart resumes from the last commit");
    }

    /// <summary>Removes a flush's staging that will not be committed (best effort: the next start sweeps it too).</summary>
    private async Task DiscardAsync(string flush)
    {
        try
        {
            foreach (var store in new[] { output, rejects })
                foreach (var key in await KeysAsync(store, $"{StagingRoot}{flush}/", CancellationToken.None).ConfigureAwait(false))
                    await store.DeleteAsync(key).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The failure that led here matters more; the next start sweeps the rest.
        }
    }

    private static async Task<List<string>> KeysAsync(IObjectStore store, string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            keys.Add(info.Key);
        return keys;
    }

    /// <summary>
    /// Moves each staged file in place (a file already moved, by a finish after a kill, is
    /// skipped), then removes the files a restatement replaced, and makes both durable.
    /// </summary>
    private async Task PublishAsync(StreamFlushFiles files, CancellationToken cancellationToken)
    {
        foreach (var (store, moves) in new[] { (output, files.Output), (rejects, files.Rejects) })
            foreach (var (staged, final) in moves)
            {
                if (await store.ExistsAsync(staged, cancellationToken).ConfigureAwait(false))
                    await store.MoveAsync(staged, final, cancellationToken).ConfigureAwait(false);
                else if (!await store.ExistsAsync(final, cancellationToken).ConfigureAwait(false))
                    throw new FxException($"{store.Describe(staged)}: a file of committed flush {files.Flush} is neither staged nor in place; the table lost it");
            }
        foreach (var (store, replaced) in new[] { (output, files.RemoveOutput), (rejects, files.RemoveRejects) })
        {
            foreach (var key in replaced)
                await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            // Before the state stops naming the flush: a moved file could be missing after a power loss, a replaced one back beside its replacement.
            await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The stream's files in a partition folder (<c>txn_date=…/</c>) of a location.</summary>
    public static async Task<List<string>> FilesAsync(IObjectStore store, string folder, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        await foreach (var info in store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            var name = info.Key[(info.Key.LastIndexOf('/') + 1)..];
            if (name.StartsWith("stream-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal) && info.Key.Count(c => c == '/') == 1)
                files.Add(info.Key);
        }
        return files;
    }
}

/// <summary>
/// The files of one flush (or restatement) being staged: one file per partition, whose row
/// groups hold <see cref="RowGroupRows"/> rows but the last (as a batch run's), with what waits
/// for a row group kept within <see cref="BufferBytes"/> (beyond it, spilled to a local file).
/// </summary>
internal sealed class StagedFlush(IObjectStore output, IObjectStore rejects, string flush) : IAsyncDisposable
{
    private const int RowGroupRows = 131_072;
    private const long BufferBytes = 128L << 20;

    private readonly string _prefix = $"{StreamTable.StagingRoot}{flush}/";
    private readonly PartitionedParquetWriter _converted = new(output, $"{StreamTable.StagingRoot}{flush}/", $"stream-{flush}.parquet", RowGroupRows, BufferBytes);
    private readonly PartitionedParquetWriter _rejected = new(rejects, $"{StreamTable.StagingRoot}{flush}/", $"stream-{flush}.parquet", RowGroupRows, BufferBytes / 8);

    /// <summary>Takes a batch's rows (the writers take ownership) and encodes the row groups that are now full.</summary>
    public async Task AddAsync(NormalizedBatch rows, ColumnBatch? invalid, CancellationToken cancellationToken)
    {
        var due = new List<PartitionedParquetWriter.RowGroup>();
        foreach (var (date, batch) in rows.Partitions)
            due.AddRange(_converted.Add(date, batch));
        foreach (var (date, batch) in rows.Rejects)
            due.AddRange(_rejected.Add(date, batch));
        if (invalid is not null)
            due.AddRange(_rejected.Add(null, invalid));
        foreach (var group in due)
            await group.WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StreamFlushFiles> CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var group in _converted.Flush().Concat(_rejected.Flush()))
            await group.WriteAsync(cancellationToken).ConfigureAwait(false);
        await _converted.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await _rejected.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new StreamFlushFiles
        {
            Flush = flush,
            Output = new SortedDictionary<string, string>(_converted.Files.ToDictionary(k => k, k => k[_prefix.Length..]), StringComparer.Ordinal),
            Rejects = new SortedDictionary<string, string>(_rejected.Files.ToDictionary(k => k, k => k[_prefix.Length..]), StringComparer.Ordinal),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _converted.DisposeAsync().ConfigureAwait(false);
        await _rejected.DisposeAsync().ConfigureAwait(false);
    }
}
