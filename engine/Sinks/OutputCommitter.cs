using FxEngine.Storage;

namespace FxEngine.Sinks;

/// <summary>
/// One output location's side of a run's commit. Workers write under a staging prefix
/// (<c>_temporary/&lt;run&gt;/</c>); the commit moves exactly the files staged there into place,
/// removes the files an earlier run wrote, checks that the location now holds exactly this
/// run's files, and writes the summary and then <c>_SUCCESS</c>. Only files a run writes
/// (<c>part-*.parquet</c>, the summary, the marker, and what an interrupted run left under
/// <c>_temporary/</c>) are ever deleted: anything else under the location is left alone. Every
/// step runs under the location's run lock (see <see cref="RunOutputs"/>).
/// </summary>
internal sealed class OutputCommitter(IObjectStore store, string runId)
{
    public const string SuccessMarker = "_SUCCESS";
    public const string SummaryName = "_summary.json";
    private const string StagingRoot = "_temporary/";

    /// <summary>Staged files moved into place, or replaced files deleted, at once.</summary>
    private const int ConcurrentChanges = 8;

    public IObjectStore Store => store;

    /// <summary>Where this run's workers write.</summary>
    public string StagingPrefix { get; } = $"{StagingRoot}{runId}/";

    /// <summary>Removes what interrupted runs left: their staging and their half-written files.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var key in await KeysAsync(StagingRoot, cancellationToken).ConfigureAwait(false))
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        await store.SweepAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The files this run staged, and their sizes.</summary>
    public async Task<IReadOnlyList<ObjectInfo>> StagedAsync(CancellationToken cancellationToken)
    {
        var staged = new List<ObjectInfo>();
        await foreach (var info in store.ListAsync(StagingPrefix, cancellationToken).ConfigureAwait(false))
            staged.Add(info with { Key = info.Key[StagingPrefix.Length..] });
        return staged;
    }

    public Task RemoveMarkerAsync(CancellationToken cancellationToken) => store.DeleteAsync(SuccessMarker, cancellationToken);

    /// <summary>
    /// Puts this run's staged files in place of the previous runs' in the partitions it
    /// recomputed (<paramref name="partitions"/>, folder names like <c>txn_date=2024-01-05</c>;
    /// null: the whole location), then checks that those partitions hold exactly its files.
    /// Every other partition is left as it was, byte for byte.
    /// </summary>
    public async Task ReplaceAsync(IReadOnlyList<ObjectInfo> staged, IReadOnlySet<string>? partitions, CancellationToken cancellationToken)
    {
        bool Replaced(string key) => !key.StartsWith(StagingRoot, StringComparison.Ordinal) && WrittenByARun(key) && key != SummaryName
            && (partitions is null || partitions.Contains(PartitionOf(key)));
        var stray = staged.FirstOrDefault(file => !Replaced(file.Key));
        if (stray is not null)
            throw new FxException($"{store.Describe(StagingPrefix + stray.Key)}: staged outside the partitions this run recomputes; nothing was committed");

        // Side by side: each move waits on the disk (a local one flushes the file) or on S3 (a copy
        // and a delete), and any subset of them done is what a killed commit leaves anyway.
        await Parallel.ForEachAsync(staged, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentChanges, CancellationToken = cancellationToken },
            async (file, token) => await store.MoveAsync(StagingPrefix + file.Key, file.Key, token).ConfigureAwait(false)).ConfigureAwait(false);
        // The old files go after the new are in: a partition that gets a file keeps its folder (no
        // folder removed and made again), and a kill in between leaves the intent to recompute it.
        var ours = staged.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var replaced = (await KeysAsync("", cancellationToken).ConfigureAwait(false)).Where(key => Replaced(key) && !ours.Contains(key));
        await Parallel.ForEachAsync(replaced, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentChanges, CancellationToken = cancellationToken },
            async (key, token) => await store.DeleteAsync(key, token).ConfigureAwait(false)).ConfigureAwait(false);

        var found = new List<ObjectInfo>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (Replaced(info.Key))
                found.Add(info);
        var expected = staged.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Key, s.Size)).ToList();
        if (!found.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, f.Size)).SequenceEqual(expected))
            throw new FxException($"{store.Root}: after the commit the replaced partitions hold {found.Count} data file(s), not the {expected.Count} this run wrote " +
                $"(first difference: {found.Select(f => f.Key).Except(expected.Select(e => e.Key)).Concat(expected.Select(e => e.Key).Except(found.Select(f => f.Key))).FirstOrDefault() ?? "a size"}); " +
                $"it has no {SuccessMarker}: run again");
    }

    /// <summary>The partition folder of a data file's key (<c>txn_date=2024-01-05</c>), or "" for the root.</summary>
    public static string PartitionOf(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? "" : key[..slash];
    }

    public Task WriteSummaryAsync(ReadOnlyMemory<byte> summary, CancellationToken cancellationToken) =>
        store.WriteAllAsync(SummaryName, summary, cancellationToken);

    public Task WriteStateAsync(ReadOnlyMemory<byte> state, CancellationToken cancellationToken) =>
        store.WriteAllAsync(Table.TableState.Key, state, cancellationToken);

    /// <summary>The run the location's marker names, or null when it has none (never committed, or mid-commit).</summary>
    public async Task<string?> MarkerRunAsync(CancellationToken cancellationToken)
    {
        return await store.TryReadAllAsync(SuccessMarker, cancellationToken).ConfigureAwait(false) is { } bytes
            ? System.Text.Encoding.UTF8.GetString(bytes).Trim()
            : null;
    }

    /// <summary>The marker names the run, so a reader can tell which run it is looking at.</summary>
    public Task WriteMarkerAsync(CancellationToken cancellationToken) =>
        store.WriteAllAsync(SuccessMarker, System.Text.Encoding.UTF8.GetBytes(runId + "\n"), cancellationToken);

    /// <summary>Removes what this run staged.</summary>
    public async Task AbortAsync()
    {
        foreach (var key in await KeysAsync(StagingPrefix, CancellationToken.None).ConfigureAwait(false))
            await store.DeleteAsync(key).ConfigureAwait(false);
        await store.SweepAsync().ConfigureAwait(false);
    }

    private async Task<List<string>> KeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            keys.Add(info.Key);
        return keys;
    }

    /// <summary>A data file of a run (in the root or a partition folder), or its summary.</summary>
    private static bool WrittenByARun(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        return name == SummaryName
            || (name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal) && key.Count(c => c == '/') <= 1);
    }
}
