using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Storage;
using FxEngine.Storage.Locks;
using FxEngine.Table;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>
/// The table a stream appends to, output and rejects, and its commit: each flush writes one
/// file per touched partition under <c>_fxengine/stream/&lt;flush&gt;/</c>, then, under the table's
/// run lock (batch runs take the same lock, so they interleave with flushes), stores the table
/// state naming those files and the offsets they hold (the commit point), moves the files in
/// place and clears the note. A kill before the state write leaves only staging, swept on the
/// next start; a kill after it leaves a recorded flush whose moves the next start finishes. So
/// each row is in the table once, whatever stops the process. The stream's files are named
/// <c>stream-*.parquet</c>: batch runs replace only their own <c>part-*</c> files.
/// </summary>
internal sealed class StreamTable(IObjectStore output, IObjectStore rejects, Action<string>? log)
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
        var state = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false);
        if (state?.Stream?.Publishing is { } publishing)
        {
            log?.Invoke($"{output.Root}: finishing flush {publishing.Flush}, committed before the last stop but not all moved in place");
            await PublishAsync(publishing, CancellationToken.None).ConfigureAwait(false);
            state = state with { Stream = state.Stream with { Publishing = null } };
            await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
        }
        foreach (var store in new[] { output, rejects })
        {
            await foreach (var staged in store.ListAsync(StagingRoot, cancellationToken).ConfigureAwait(false))
                await store.DeleteAsync(staged.Key, cancellationToken).ConfigureAwait(false);
            await store.SweepAsync(cancellationToken).ConfigureAwait(false);
        }
        return state;
    }

    /// <summary>Writes a flush's rows, one file per partition, under its staging folder.</summary>
    public async Task<StreamFlushFiles> StageAsync(string flush, NormalizedBatch rows, ColumnBatch? invalid, CancellationToken cancellationToken)
    {
        var prefix = $"{StagingRoot}{flush}/";
        var name = $"stream-{flush}.parquet";
        await using var converted = new PartitionedParquetWriter(output, prefix, name, int.MaxValue, int.MaxValue);
        await using var rejected = new PartitionedParquetWriter(rejects, prefix, name, int.MaxValue, int.MaxValue);
        foreach (var (date, batch) in rows.Partitions)
            converted.Add(date, batch);
        foreach (var (date, batch) in rows.Rejects)
            rejected.Add(date, batch);
        if (invalid is not null)
            rejected.Add(null, invalid);
        foreach (var group in converted.Flush().Concat(rejected.Flush()))
            await group.WriteAsync(cancellationToken).ConfigureAwait(false);
        await converted.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await rejected.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new StreamFlushFiles
        {
            Flush = flush,
            Output = new SortedDictionary<string, string>(converted.Files.ToDictionary(k => k, k => k[prefix.Length..]), StringComparer.Ordinal),
            Rejects = new SortedDictionary<string, string>(rejected.Files.ToDictionary(k => k, k => k[prefix.Length..]), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Publishes a staged flush: under the table lock, the state <paramref name="update"/> makes of
    /// the current one (with the flush recorded as publishing) is stored, the files are moved in
    /// place, and the record is cleared. Returns the stored state. Once the state is written the
    /// flush is committed: the moves run to their end whatever the token says.
    /// </summary>
    public async Task<TableState> CommitAsync(StreamFlushFiles files, Func<TableState?, StreamState> update, CancellationToken cancellationToken)
    {
        await using var tableLock = await RunLock.AcquireAsync([output, rejects], $"stream-{files.Flush}", LockWait, log, cancellationToken).ConfigureAwait(false);
        var current = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false);
        var stream = update(current) with { Publishing = files };
        var state = (current ?? new TableState()) with { Stream = stream };
        await tableLock.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
        await PublishAsync(files, CancellationToken.None).ConfigureAwait(false);
        state = state with { Stream = stream with { Publishing = null } };
        await output.WriteAllAsync(TableState.Key, state.ToJson(), CancellationToken.None).ConfigureAwait(false);
        return state;
    }

    /// <summary>Removes a flush's staging that will not be committed (best effort: the next start sweeps it too).</summary>
    public async Task DiscardAsync(StreamFlushFiles files)
    {
        try
        {
            foreach (var key in files.Output.Keys)
                await output.DeleteAsync(key).ConfigureAwait(false);
            foreach (var key in files.Rejects.Keys)
                await rejects.DeleteAsync(key).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The failure that led here matters more; the next start sweeps the rest.
        }
    }

    /// <summary>Moves each staged file in place; a file already moved (a finish after a kill) is skipped.</summary>
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
    }
}
