namespace FxEngine.Storage.Locks;

/// <summary>
/// The run lock of an S3 location: a lease object, <c>_fxengine/lock.json</c>, naming the holder
/// and its expiry. The holder renews it every third of <see cref="Lease"/>; a killed run's lease
/// expires and the next run takes it over, at once when the killed run's process was on the
/// same machine (<see cref="LockHolder.Ended"/>). Where the server honours conditional writes
/// (S3 since 2024: <c>If-None-Match: *</c> to create, <c>If-Match</c> to renew or take over)
/// every step is one atomic request. Where it ignores them (s3rver), acquisition falls back to
/// write, wait <see cref="Settle"/>, read back: the last writer wins, which is exclusive as long
/// as a contender's read and write complete within <see cref="MaxRequestTime"/>; a slower attempt
/// backs off rather than enter.
/// </summary>
internal sealed class S3LeaseLock : ILocationLock
{
    /// <summary>How long a lease lasts without renewal. Default 60 s.</summary>
    public static TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The read-back delay of the fallback protocol. Default 2 s.</summary>
    public static TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A contender's read-then-write must land before any other contender reads back, which
    /// happens <see cref="Settle"/> after its own write: slower than that, it must not enter.
    /// </summary>
    private static TimeSpan MaxRequestTime => Settle;

    private readonly S3ObjectStore _store;
    private readonly bool _conditional;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private string _etag;

    private S3LeaseLock(S3ObjectStore store, LockHolder holder, string etag, bool conditional)
    {
        _store = store;
        Holder = holder;
        _etag = etag;
        _conditional = conditional;
        _renewal = Task.Run(RenewAsync);
    }

    public LockHolder Holder { get; private set; }

    public CancellationToken Lost => _lost.Token;

    public static async Task<LockAttempt> TryAcquireAsync(S3ObjectStore store, LockHolder holder, CancellationToken cancellationToken)
    {
        var conditional = await store.HonoursConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        var current = await store.ReadLockAsync(cancellationToken).ConfigureAwait(false);
        // A lease of this very run is one an earlier, too slow attempt of it left, and one of a
        // killed run on this machine has no one to renew it: take them over.
        if (current?.Holder is { } other && other.RunId != holder.RunId && !other.Expired(DateTimeOffset.UtcNow) && !other.Ended)
            return LockAttempt.Refused(other);

        var mine = holder with { ExpiresAt = DateTimeOffset.UtcNow + Lease };
        // Create if absent, or take over exactly the expired (or unreadable) lease we read.
        var etag = await store.PutLockAsync(mine.ToJson(), conditional ? current?.ETag ?? "" : null, cancellationToken).ConfigureAwait(false);
        if (etag is null)
            return LockAttempt.Refused((await store.ReadLockAsync(cancellationToken).ConfigureAwait(false))?.Holder);
        if (!conditional)
        {
            if (DateTimeOffset.UtcNow - started > MaxRequestTime)
                return LockAttempt.Refused(null); // too slow to be sure no one else read "free" meanwhile
            await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
            var check = await store.ReadLockAsync(cancellationToken).ConfigureAwait(false);
            if (check?.Holder?.RunId != mine.RunId)
                return LockAttempt.Refused(check?.Holder);
            etag = check!.Value.ETag;
        }
        return LockAttempt.Taken(new S3LeaseLock(store, mine, etag, conditional));
    }

    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        var current = await _store.ReadLockAsync(cancellationToken).ConfigureAwait(false);
        if (_lost.IsCancellationRequested || current?.Holder?.RunId != Holder.RunId || Holder.Expired(DateTimeOffset.UtcNow))
            throw new FxException($"{_store.Root}: this run lost its lock ({(current?.Holder is { } h ? $"now held by {h.Describe()}" : "the lease is gone")}); nothing was committed, run again");
    }

    private async Task RenewAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Lease / 3, _stop.Token).ConfigureAwait(false);
                var renewed = Holder with { ExpiresAt = DateTimeOffset.UtcNow + Lease };
                if (!_conditional)
                {
                    var current = await _store.ReadLockAsync(_stop.Token).ConfigureAwait(false);
                    if (current?.Holder?.RunId != Holder.RunId)
                        break;
                }
                var etag = await _store.PutLockAsync(renewed.ToJson(), _conditional ? _etag : null, _stop.Token).ConfigureAwait(false);
                if (etag is null)
                    break; // someone else's now
                if (!_conditional)
                {
                    // A renewal that stalled past expiry may have overwritten a new holder's lease:
                    // read it back, as acquisition does, and give up unless it is still ours.
                    await Task.Delay(Settle, _stop.Token).ConfigureAwait(false);
                    var check = await _store.ReadLockAsync(_stop.Token).ConfigureAwait(false);
                    if (check?.Holder?.RunId != Holder.RunId || Holder.Expired(DateTimeOffset.UtcNow))
                        break;
                    etag = check.Value.ETag;
                }
                (Holder, _etag) = (renewed, etag);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // A failed renewal (an S3 error, a timeout) is retried next round while the lease
                // lasts; past that the run has lost its lock.
                if (Holder.Expired(DateTimeOffset.UtcNow + Lease / 3))
                    break;
            }
        }
        if (!_stop.IsCancellationRequested)
            await _lost.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false); // never faults: the loop catches everything
        if (!_lost.IsCancellationRequested)
            await _store.DeleteLockAsync(_conditional ? _etag : null, Holder.RunId).ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }
}
