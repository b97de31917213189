using FxEngine.Storage;
using FxEngine.Storage.Locks;

namespace FxEngine.Sinks;

/// <summary>
/// The two locations a normalize run writes, output and rejects, held under one run lock from
/// start to commit, swept of what interrupted runs left, and committed together: both markers
/// go first (the output's before the rejects'), both sets of files are replaced and checked,
/// then the rejects' marker and last the output's. The output's <c>_SUCCESS</c> is the commit
/// point of both: when it is there, the rejects beside it are the same run's. A run that ends
/// without committing (a failure, a cancellation) removes what it staged.
/// </summary>
internal sealed class RunOutputs : IAsyncDisposable
{
    private readonly RunLock _lock;
    private bool _committed;

    private RunOutputs(OutputCommitter output, OutputCommitter rejects, RunLock runLock)
    {
        Output = output;
        Rejects = rejects;
        _lock = runLock;
    }

    public OutputCommitter Output { get; }

    public OutputCommitter Rejects { get; }

    /// <summary>Fires if the run loses its lock (an S3 lease that could not be renewed).</summary>
    public CancellationToken Lost => _lock.Lost;

    public static async Task<RunOutputs> OpenAsync(string runId, string output, string rejects, TimeSpan? wait,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var outputs = new OutputCommitter(ObjectStore.Open(output), runId);
        var rejected = new OutputCommitter(ObjectStore.Open(rejects), runId);
        var runLock = await RunLock.AcquireAsync([outputs.Store, rejected.Store], runId, wait, log, cancellationToken).ConfigureAwait(false);
        try
        {
            await outputs.SweepAsync(cancellationToken).ConfigureAwait(false);
            await rejected.SweepAsync(cancellationToken).ConfigureAwait(false);
            await Table.TableIdentity.ClaimAsync(outputs.Store, rejected.Store, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await runLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new RunOutputs(outputs, rejected, runLock);
    }

    /// <summary>
    /// Publishes both locations: the partitions the run recomputed (<paramref name="partitions"/>,
    /// folder names; null: everything), then the table state that describes them, the summaries
    /// and the markers. Once started it runs to the end whatever the caller's token says:
    /// stopping halfway would leave an output with no marker. A commit killed before the state
    /// is written leaves its intent (<c>_fxengine/commit.json</c>), and the next run recomputes
    /// the partitions it names.
    /// </summary>
    public async Task CommitAsync(ReadOnlyMemory<byte> summary, IReadOnlySet<string>? partitions, ReadOnlyMemory<byte> state, ReadOnlyMemory<byte> intent)
    {
        var none = CancellationToken.None;
        await _lock.EnsureHeldAsync(none).ConfigureAwait(false);
        try
        {
            var output = await Output.StagedAsync(none).ConfigureAwait(false);
            var rejects = await Rejects.StagedAsync(none).ConfigureAwait(false);
            // From here until the state is written a kill leaves partitions half replaced: the intent names them.
            await Output.Store.WriteAllAsync(Table.PendingCommit.Key, intent, none).ConfigureAwait(false);
            await Output.RemoveMarkerAsync(none).ConfigureAwait(false);
            await Rejects.RemoveMarkerAsync(none).ConfigureAwait(false);
            // An old marker that came back after a power loss would vouch for half-replaced partitions.
            await FlushAsync().ConfigureAwait(false);
            StopIfLost();
            await Rejects.ReplaceAsync(rejects, partitions, none).ConfigureAwait(false);
            StopIfLost();
            await Output.ReplaceAsync(output, partitions, none).ConfigureAwait(false);
            // The new files are in place, and the replaced ones gone, for good before the state names them.
            await FlushAsync().ConfigureAwait(false);
            StopIfLost();
            await Output.WriteStateAsync(state, none).ConfigureAwait(false);
            await Output.Store.DeleteAsync(Table.PendingCommit.Key, none).ConfigureAwait(false);
            await FinishAsync(summary).ConfigureAwait(false);
            _committed = true;
        }
        catch (Exception ex) when (ex is not FxException || ex.InnerException is not null)
        {
            // A failure the store wrapped (a move the disk refused) needs the way out too; the commit's own refusals say theirs.
            throw new FxException($"{Output.Store.Root}: the commit failed halfway ({ex.Message}); the output has no {OutputCommitter.SuccessMarker} until a rerun succeeds", ex);
        }
    }

    private async Task FlushAsync()
    {
        await Output.Store.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await Rejects.Store.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A commit whose lock was lost (an S3 lease not renewed in time) stops between steps: the
    /// next holder may be sweeping. Its intent stays, so a later run recomputes what it touched.
    /// </summary>
    private void StopIfLost()
    {
        if (_lock.Lost.IsCancellationRequested)
            throw new FxException($"{Output.Store.Root}: this run lost its run lock during its commit; it stopped, and the next run recomputes the partitions it was replacing");
    }

    /// <summary>The summaries, then the rejects' marker and last the output's: the end of a commit.</summary>
    public async Task FinishAsync(ReadOnlyMemory<byte> summary)
    {
        var none = CancellationToken.None;
        await Rejects.WriteSummaryAsync(summary, none).ConfigureAwait(false);
        await Output.WriteSummaryAsync(summary, none).ConfigureAwait(false);
        await Rejects.WriteMarkerAsync(none).ConfigureAwait(false);
        await Output.WriteMarkerAsync(none).ConfigureAwait(false);
    }

    /// <summary>Removes what an uncommitted run staged (best effort: the next run sweeps it too), then frees the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_committed)
            foreach (var committer in new[] { Output, Rejects })
            {
                try
                {
                    await committer.AbortAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Never hide the failure that led here; the next run sweeps what is left.
                }
            }
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
