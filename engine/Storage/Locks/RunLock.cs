namespace FxEngine.Storage.Locks;

/// <summary>
/// The run locks of every location a run writes, taken together in one order (so two waiting
/// runs cannot deadlock) and released together. Without a wait, a held lock fails the run at
/// once naming its holder; with one, the run polls until the lock frees or the wait runs out.
/// </summary>
internal sealed class RunLock : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly List<ILocationLock> _locks;
    private readonly CancellationTokenSource _lost;

    private RunLock(List<ILocationLock> locks)
    {
        _locks = locks;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(locks.Select(l => l.Lost).ToArray());
    }

    /// <summary>Fires if any of the locks stops being this run's.</summary>
    public CancellationToken Lost => _lost.Token;

    public static async Task<RunLock> AcquireAsync(IEnumerable<IObjectStore> stores, string runId, TimeSpan? wait,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var ordered = stores.DistinctBy(s => s.Root).OrderBy(s => s.Root, StringComparer.Ordinal).ToList();
        var deadline = DateTimeOffset.UtcNow + (wait ?? TimeSpan.Zero);
        var holder = LockHolder.ForThisProcess(runId);
        var said = false;
        var unknown = 0;
        while (true)
        {
            var held = new List<ILocationLock>();
            foreach (var store in ordered)
            {
                LockAttempt attempt;
                try
                {
                    attempt = await store.TryLockAsync(holder, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    foreach (var taken in held)
                        await taken.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                if (attempt.Lock is not null)
                {
                    held.Add(attempt.Lock);
                    continue;
                }
                foreach (var taken in held)
                    await taken.DisposeAsync().ConfigureAwait(false);
                var who = attempt.HeldBy?.Describe() ?? "another run";
                // No known holder: a contended or too slow attempt (S3 without conditional writes): try again shortly.
                if (attempt.HeldBy is null && ++unknown <= 3)
                    deadline = deadline > DateTimeOffset.UtcNow + Poll ? deadline : DateTimeOffset.UtcNow + Poll;
                if (DateTimeOffset.UtcNow >= deadline)
                    throw new FxException(wait is null
                        ? $"{store.Root} is being written by {who}; wait for it to finish, or pass --wait 10m to queue behind it"
                        : $"{store.Root} is still being written by {who} after waiting {wait:g}; nothing was changed");
                if (!said && wait is not null)
                    log?.Invoke($"{store.Root} is being written by {who}; waiting up to {wait:g}");
                said = true;
                break;
            }
            if (held.Count == ordered.Count)
                return new RunLock(held);
            // Runs that met at the same moment try again apart, not in step.
            await Task.Delay(unknown > 0 ? Poll * (0.5 + Random.Shared.NextDouble()) : Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Throws unless every lock is still this run's: the last check before a commit.</summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        foreach (var held in _locks)
            await held.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var held in _locks)
            await held.DisposeAsync().ConfigureAwait(false);
        _lost.Dispose();
    }
}
