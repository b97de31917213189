namespace FxEngine.Storage.Locks;

/// <summary>
/// A held run lock on one location. Disposing releases it. <see cref="Lost"/> fires if the lock
/// stops being this run's (a lease that could not be renewed): the run must then not commit.
/// </summary>
internal interface ILocationLock : IAsyncDisposable
{
    LockHolder Holder { get; }

    CancellationToken Lost { get; }

    /// <summary>Throws unless the lock is still this run's; called right before a commit.</summary>
    Task EnsureHeldAsync(CancellationToken cancellationToken);
}
