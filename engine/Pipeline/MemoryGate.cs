namespace FxEngine.Pipeline;

/// <summary>
/// Admits work by the memory it is estimated to take: what is admitted at once stays within
/// <c>capacity</c> bytes, except that work larger than the capacity is admitted when nothing
/// else is in, so it runs alone rather than never. Admission is first come, first served: work
/// that waits is not overtaken by smaller work arriving after it, which could starve it.
/// </summary>
internal sealed class MemoryGate(long capacity)
{
    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;
        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private long _admitted;
    private int _leases;
    private int _mostLeases;

    /// <summary>Bytes admitted now.</summary>
    public long Admitted { get { lock (_lock) return _admitted; } }

    /// <summary>The most work admitted at one time so far.</summary>
    public int MostAtOnce { get { lock (_lock) return _mostLeases; } }

    /// <summary>Waits until <paramref name="bytes"/> fit; the lease gives them back when disposed.</summary>
    public async ValueTask<Lease> EnterAsync(long bytes, CancellationToken cancellationToken)
    {
        bytes = Math.Max(0, bytes);
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_waiting.Count == 0 && Fits(bytes))
            {
                Admit(bytes);
                return new Lease(this, bytes);
            }
            node = _waiting.AddLast(new Waiter(bytes));
        }
        await using (cancellationToken.Register(() => Cancel(node, cancellationToken)).ConfigureAwait(false))
            await node.Value.Admitted.Task.ConfigureAwait(false);
        return new Lease(this, bytes);
    }

    /// <summary>Nothing admitted, or room left: work larger than the capacity goes in alone.</summary>
    private bool Fits(long bytes) => _leases == 0 || _admitted + bytes <= capacity;

    /// <summary>Takes the bytes in; the caller holds the lock.</summary>
    private void Admit(long bytes)
    {
        _admitted += bytes;
        _mostLeases = Math.Max(_mostLeases, ++_leases);
    }

    private void Release(long bytes, bool lease = true)
    {
        List<Waiter> admitted = [];
        lock (_lock)
        {
            _admitted -= bytes;
            if (lease)
                _leases--;
            while (_waiting.First is { } first && Fits(first.Value.Bytes))
            {
                _waiting.RemoveFirst();
                Admit(first.Value.Bytes);
                admitted.Add(first.Value);
            }
        }
        foreach (var waiter in admitted)
            waiter.Admitted.TrySetResult();
    }

    /// <summary>A waiter cancelled before it was admitted leaves the queue; one admitted already keeps its lease.</summary>
    private void Cancel(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (node.List is null)
                return;
            var wasFirst = _waiting.First == node;
            _waiting.Remove(node);
            node.Value.Admitted.TrySetCanceled(cancellationToken);
            if (!wasFirst)
                return;
        }
        // The work behind it may fit now.
        Release(0, lease: false);
    }

    /// <summary>Admitted bytes, given back once however often it is disposed.</summary>
    public sealed class Lease(MemoryGate gate, long bytes) : IDisposable
    {
        private int _disposed;

        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                gate.Release(bytes);
        }
    }
}
