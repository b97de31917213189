using FxEngine.Pipeline;

namespace FxEngine.Tests;

public class MemoryGateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Long enough for a waiter that was wrongly let in to have been.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task EnterAsync_WithinCapacity_AdmitsAtOnce()
    {
        var gate = new MemoryGate(100);

        using var first = await gate.EnterAsync(60, default);
        using var second = await gate.EnterAsync(40, default);

        Assert.Equal(100, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_PastCapacity_WaitsUntilEnoughIsGivenBack()
    {
        var gate = new MemoryGate(100);
        var first = await gate.EnterAsync(60, default);

        var second = gate.EnterAsync(60, default).AsTask();
        await Task.Delay(Settle);
        Assert.False(second.IsCompleted, "60 bytes were admitted beside 60 within a capacity of 100");

        first.Dispose();
        using var admitted = await second.WaitAsync(Deadline);
        Assert.Equal(60, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_LargerThanCapacity_RunsAloneRatherThanNever()
    {
        var gate = new MemoryGate(100);
        var small = await gate.EnterAsync(10, default);

        var large = gate.EnterAsync(500, default).AsTask();
        await Task.Delay(Settle);
        Assert.False(large.IsCompleted, "500 bytes were admitted beside others within a capacity of 100");

        small.Dispose();
        var alone = await large.WaitAsync(Deadline);
        Assert.Equal(500, gate.Admitted);
        var after = gate.EnterAsync(1, default).AsTask();
        await Task.Delay(Settle);
        Assert.False(after.IsCompleted, "work was admitted beside one larger than the capacity");
        alone.Dispose();
        (await after.WaitAsync(Deadline)).Dispose();
        Assert.Equal(0, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_SmallWorkAfterAWaitingLargeOne_DoesNotOvertakeIt()
    {
        var gate = new MemoryGate(100);
        var held = await gate.EnterAsync(50, default);
        var large = gate.EnterAsync(80, default).AsTask();

        var small = gate.EnterAsync(10, default).AsTask();
        await Task.Delay(Settle);
        Assert.False(small.IsCompleted, "small work overtook the large work waiting before it, which could wait for ever");

        held.Dispose();
        using var first = await large.WaitAsync(Deadline);
        using var second = await small.WaitAsync(Deadline);
        Assert.Equal(90, gate.Admitted);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesTheQueueAndLetsTheRestIn()
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
    public async Task Lease_DisposedTwice_GivesItsBytesBackOnce()
    {
        var gate = new MemoryGate(100);
        using var other = await gate.EnterAsync(30, default);
        var lease = await gate.EnterAsync(20, default);

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(30, gate.Admitted);
    }
}
