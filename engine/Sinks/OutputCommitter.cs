using FxEngine.Storage;

namespace FxEngine.Sinks;

/// <summary>
/// Makes a run's output appear all at once. Workers write under a staging prefix
/// (<c>_temporary/&lt;run&gt;/</c>); commit removes the previous run's files, moves the staged
/// files into place, writes the summary and writes <c>_SUCCESS</c> last. A reader that
/// waits for <c>_SUCCESS</c> never sees half an output, and a rerun replaces rather than
/// duplicates.
/// </summary>
internal sealed class OutputCommitter(IObjectStore store, string runId)
{
    public const string SuccessMarker = "_SUCCESS";
    public const string SummaryName = "_summary.json";
    private const string StagingRoot = "_temporary/";

    public IObjectStore Store => store;

    /// <summary>Where this run's workers write.</summary>
    public string StagingPrefix { get; } = $"{StagingRoot}{runId}/";

    public async Task CommitAsync(ReadOnlyMemory<byte> summary, CancellationToken cancellationToken)
    {
        // From here the output is incomplete until the marker is back.
        await store.DeleteAsync(SuccessMarker, cancellationToken).ConfigureAwait(false);

        var previous = new List<string>();
        var staged = new List<string>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (info.Key.StartsWith(StagingPrefix, StringComparison.Ordinal))
                staged.Add(info.Key);
            else if (!info.Key.StartsWith(StagingRoot, StringComparison.Ordinal))
                previous.Add(info.Key);
        }
        foreach (var key in previous)
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        foreach (var key in staged)
            await store.MoveAsync(key, key[StagingPrefix.Length..], cancellationToken).ConfigureAwait(false);

        await store.WriteAllAsync(SummaryName, summary, cancellationToken).ConfigureAwait(false);
        await store.WriteAllAsync(SuccessMarker, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes what a failed run staged; the previous output stays as it was.</summary>
    public async Task AbortAsync()
    {
        var staged = new List<string>();
        await foreach (var info in store.ListAsync(StagingPrefix).ConfigureAwait(false))
            staged.Add(info.Key);
        foreach (var key in staged)
            await store.DeleteAsync(key).ConfigureAwait(false);
    }
}
