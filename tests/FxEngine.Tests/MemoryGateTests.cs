using FxEngine.Pipeline;

namespace FxEngine.Tests;

/// <summary>
/// The gate decides under its lock, in the call that enters or gives back: whether work is in
/// is known as soon as that call returns, so these tests need no waiting to see that it is not.
/// </summary>
public class MemoryGateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EnterAsync_WithinCapacity_AdmitsAtOnce()
    {
        var gate = new MemoryGate(100);

        using var first = await gate.EnterAsync(60, default);
        using var second = await gate.EnterAsync(40, default);

        Assert.Equal(100, gate.Admitted);
        Assert.Equal(2, gate.MostAtOnce);
    }

    [Fact]
    public async Task EnterAsync_PastCapacity_WaitsUntilEnoughIsGivenBack()
    {
        var gate = new MemoryGate(100);
        var first = await gate.EnterAsync(60, default);

        var second = gate.EnterAsync(60, default).AsTask();
        Assert.False(second.IsCompleted, "60 bytes were admitted beside 60 within a capacity of 100");

        first.Dispose();
        using var admitted = await second.WaitAsync(Deadline);
        Assert.Equal(60, gate.Admitted);
        Assert.Equal(1, gate.MostAtOnce);
    }

    [Fact]
    public async Task EnterAsync_LargerThanCapacity_RunsAloneRatherThanNever()
    {
        var gate = new MemoryGate(100);
        var small = await gate.EnterAsync(10, default);

        var large = gate.EnterAsync(500, default).AsTask();
        Assert.False(large.IsCompleted, "500 bytes were admitted beside others within a capacity of 100");

        small.Dispose();
        var alone = await large.WaitAsync(Deadline);
        Assert.Equal(500, gate.Admitted);
        var after = gate.EnterAsync(0, default).AsTask(); // even work of no size: the large work runs alone
        Assert.False(after.IsCompleted, "work was admitted beside one larger than the capacity");
        alone.Dispose();
        (await after.WaitAsync(Deadline)).Dispose();
        Assert.Equal(0, gate.Admitted);
        Assert.Equal(1, gate.MostAtOnce);
    }

    [Fact]
    public async Task EnterAsync_SmallWorkAfterAWaitingLargeOne_DoesNotOvertakeIt()
    {
        var gate = new MemoryGate(100);
        var held = await gate.EnterAsync(50, default);
        var large = gate.EnterAsync(80, default).AsTask();

        var small = gate.EnterAsync(10, default).AsTask();
        Assert.False(small.IsCompleted, "small work overtook the large work waiting before it, which could wait for ever");

        held.Dispose();
        using var first = await large.WaitAsync(Deadline);
        using var second = await small.WaitAsync(Deadline);
        Assert.Equal(90, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_CancelledAtTheHeadOfTheQueue_LeavesItAndLetsTheRestIn()
    {
        var gate = new MemoryGate(100);
        var held = await gate.EnterAsync(50, default);
        using var cancel = new CancellationTokenSource();
        var large = gate.EnterAsync(80, cancel.Token).AsTask();
        var small = gate.EnterAsync(10, default).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => large.WaitAsync(Deadline));
        using var admitted = await small.WaitAsync(Deadline);
        Assert.Equal(60, gate.Admitted);
        held.Dispose();
        Assert.Equal(10, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_CancelledBehindAnother_LeavesTheQueueWithoutAdmittingAnything()
    {
        var gate = new MemoryGate(100);
        var held = await gate.EnterAsync(90, default);
        var first = gate.EnterAsync(50, default).AsTask();
        using var cancel = new CancellationTokenSource();
        var second = gate.EnterAsync(50, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Deadline));
        Assert.False(first.IsCompleted, "the work ahead of a cancelled waiter was let in with no room for it");
        Assert.Equal(90, gate.Admitted);
        held.Dispose();
        using var admitted = await first.WaitAsync(Deadline);
        Assert.Equal(50, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_ManyCancelledAndAdmittedAtOnce_EveryByteComesBack()
    {
        var gate = new MemoryGate(100);
        var mostAdmitted = 0L;
        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            using var cancel = new CancellationTokenSource();
            if (i % 3 == 0)
                cancel.CancelAfter(TimeSpan.FromMilliseconds(i % 7));
            try
            {
                using var lease = await gate.EnterAsync(i % 11 == 0 ? 250 : 10 + i % 50, cancel.Token);
                var now = gate.Admitted;
                if (lease.Bytes <= 100)
                    InterlockedMax(ref mostAdmitted, now);
                await Task.Yield();
            }
            catch (OperationCanceledException)
            {
            }
        });

        Assert.Equal(0, gate.Admitted);
        Assert.InRange(mostAdmitted, 1, 100);
    }

    [Fact]
    public async Task Lease_DisposedTwice_GivesItsBytesBackOnce()
    {
        var gate = new MemoryGate(100);
        using var other = await gate.EnterAsync(30, default);
        var lease = await gate.EnterAsync(20, default);

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(30, gate.Admitted);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                return;
    }
}
