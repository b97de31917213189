using FxEngine.Storage;

namespace FxEngine.Sinks;

/// <summary>
/// Makes a run's output appear all at once. Workers write under a staging prefix
/// (<c>_temporary/&lt;run&gt;/</c>); the commit removes the files an earlier run wrote, moves the
/// staged files into place, writes the summary and writes <c>_SUCCESS</c> last. A reader that
/// waits for <c>_SUCCESS</c> never sees half an output, and a rerun replaces rather than
/// duplicates. Only files a run writes (<c>part-*.parquet</c>, the summary, the marker, and
/// what a crashed run left under <c>_temporary/</c>) are ever deleted: anything else under the
/// location is left alone. One run at a time per output location.
/// </summary>
internal sealed class OutputCommitter(IObjectStore store, string runId)
{
    public const string SuccessMarker = "_SUCCESS";
    public const string SummaryName = "_summary.json";
    private const string StagingRoot = "_temporary/";

    public IObjectStore Store => store;

    /// <summary>Where this run's workers write.</summary>
    public string StagingPrefix { get; } = $"{StagingRoot}{runId}/";

    /// <summary>
    /// Commits several locations in order. Once a commit starts it runs to the end, whatever the
    /// caller's token says: stopping halfway would leave an output with no marker.
    /// </summary>
    public static async Task CommitAllAsync(ReadOnlyMemory<byte> summary, params OutputCommitter[] committers)
    {
        foreach (var committer in committers)
        {
            try
            {
                await committer.CommitAsync(summary, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not FxException)
            {
                throw new FxException($"{committer.Store.Root}: the commit failed halfway ({ex.Message}); the output has no {SuccessMarker} until a rerun succeeds", ex);
            }
        }
    }

    /// <summary>Removes what a failed run staged, never hiding the failure that led here.</summary>
    public static async Task AbortAllAsync(params OutputCommitter[] committers)
    {
        foreach (var committer in committers)
        {
            try
            {
                await committer.AbortAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Best effort: the staging prefix is ignored by readers and by the next commit.
            }
        }
    }

    private async Task CommitAsync(ReadOnlyMemory<byte> summary, CancellationToken cancellationToken)
    {
        // From here the output is incomplete until the marker is back.
        await store.DeleteAsync(SuccessMarker, cancellationToken).ConfigureAwait(false);

        var previous = new List<string>();
        var staged = new List<string>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (info.Key.StartsWith(StagingPrefix, StringComparison.Ordinal))
                staged.Add(info.Key);
            else if (info.Key.StartsWith(StagingRoot, StringComparison.Ordinal) || WrittenByARun(info.Key))
                previous.Add(info.Key); // an earlier run's files, or what a crashed run left staged
        }
        foreach (var key in previous)
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        foreach (var key in staged)
            await store.MoveAsync(key, key[StagingPrefix.Length..], cancellationToken).ConfigureAwait(false);

        await store.WriteAllAsync(SummaryName, summary, cancellationToken).ConfigureAwait(false);
        await store.WriteAllAsync(SuccessMarker, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
    }

    private async Task AbortAsync()
    {
        var staged = new List<string>();
        await foreach (var info in store.ListAsync(StagingPrefix).ConfigureAwait(false))
            staged.Add(info.Key);
        foreach (var key in staged)
            await store.DeleteAsync(key).ConfigureAwait(false);
    }

    /// <summary>A data file of an earlier run (in the root or a partition folder), or its summary.</summary>
    private static bool WrittenByARun(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        return name == SummaryName
            || (name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal) && key.Count(c => c == '/') <= 1);
    }
}
