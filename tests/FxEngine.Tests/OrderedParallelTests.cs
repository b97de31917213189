using System.Collections.Concurrent;
using FxEngine.Pipeline;

namespace FxEngine.Tests;

public class OrderedParallelTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_ItemsFinishOutOfOrder_ResultsInListOrder()
    {
        var secondDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = await OrderedParallel.RunAsync([0, 1, 2, 3], 2, async (item, token) =>
        {
            if (item == 0)
                await secondDone.Task.WaitAsync(token);
            if (item == 1)
                secondDone.SetResult();
            return item * 10;
        }, CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal([0, 10, 20, 30], results);
    }

    [Fact]
    public async Task RunAsync_ItemFails_LaterItemsCancelledOrNeverStarted()
    {
        var started = new ConcurrentBag<int>();
        var laterRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var laterCancelled = false;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OrderedParallel.RunAsync(Enumerable.Range(0, 10).ToList(), 2, async (item, token) =>
        {
            started.Add(item);
            if (item == 0)
            {
                await laterRunning.Task;
                throw new InvalidOperationException("item 0 is broken");
            }
            laterRunning.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                laterCancelled = true;
                throw;
            }
            return item;
        }, CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal("item 0 is broken", error.Message);
        Assert.True(laterCancelled);
        Assert.Equal([0, 1], started.Order());
    }

    [Fact]
    public async Task RunAsync_TwoItemsFail_TheEarlierInListWinsWhateverFailedFirst()
    {
        var laterFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OrderedParallel.RunAsync<int, int>([0, 1], 2, async (item, token) =>
        {
            if (item == 1)
            {
                laterFailed.SetResult();
                throw new InvalidOperationException("item 1 is broken");
            }
            // Not cancelled by the later failure: it runs on and fails in its turn.
            await laterFailed.Task.WaitAsync(token);
            await Task.Yield();
            throw new InvalidOperationException("item 0 is broken");
        }, CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal("item 0 is broken", error.Message);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_Cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var task = OrderedParallel.RunAsync([0, 1, 2], 2, async (item, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return item;
        }, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Deadline));
    }
}
