using System.Runtime.ExceptionServices;

namespace FxEngine.Pipeline;

/// <summary>
/// Work over a list, side by side, with the outcome of doing it one item at a time in order:
/// results in the list's order, and of several failures the one an in-order run meets first.
/// Once an item fails, the items after it can no longer change the outcome, so they are not
/// started and those in progress are cancelled; the items before it still run, as one of them
/// may fail first.
/// </summary>
internal static class OrderedParallel
{
    public static async Task<TResult[]> RunAsync<TItem, TResult>(IReadOnlyList<TItem> items, int workers,
        Func<TItem, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        var errors = new ExceptionDispatchInfo?[items.Count];
        var running = new CancellationTokenSource?[items.Count];
        var firstFailed = items.Count;
        var gate = new Lock();
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
                lock (gate)
                {
                    if (index > firstFailed)
                        return;
                    running[index] = stop;
                }
                try
                {
                    results[index] = await work(items[index], stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    // An earlier item failed: this one's outcome no longer matters.
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    errors[index] = ExceptionDispatchInfo.Capture(ex);
                    lock (gate)
                    {
                        if (index < firstFailed)
                        {
                            firstFailed = index;
                            // Under the lock: an entry is cleared (below) before its source is disposed.
                            foreach (var later in running.AsSpan(index + 1))
                                later?.Cancel();
                        }
                    }
                }
                finally
                {
                    lock (gate)
                        running[index] = null;
                }
            }).ConfigureAwait(false);
        if (firstFailed < items.Count)
            errors[firstFailed]!.Throw();
        return results;
    }
}
