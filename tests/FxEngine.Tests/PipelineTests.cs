using FxEngine.Pipeline;

namespace FxEngine.Tests;

public class PipelineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void LargeObjectCollector_RowsReachTheInterval_ADeadLargeArrayIsFreed()
    {
        var collector = new LargeObjectCollector(rows: 100);
        var dead = DeadLargeArray();
        var fullCollections = GC.CollectionCount(GC.MaxGeneration);

        collector.Read(60);
        collector.Read(60);

        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullCollections, "120 rows read past an interval of 100 without a full collection");
        Assert.False(dead.IsAlive, "a large array nothing refers to survived the collection");
    }

    /// <summary>A weak reference to a large-object-heap array that nothing else refers to.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference DeadLargeArray() => new(new byte[1 << 20]);

    [Fact]
    public async Task Transform_ItemsFlowThrough_EveryItemArrivesOnce()
    {
        using var pipeline = new Pipeline.Pipeline();
        var numbers = pipeline.Source<int>("numbers", 4, async (writer, token) =>
        {
            for (var i = 0; i < 1000; i++)
                await writer.WriteAsync(i, token);
        });
        var doubled = pipeline.Transform<int, int>("double", numbers, 3, 4, (n, _) => ValueTask.FromResult(n * 2));
        var seen = new System.Collections.Concurrent.ConcurrentBag<int>();
        pipeline.Sink<int>("collect", doubled, 2, async (_, items, _) =>
        {
            await foreach (var item in items)
                seen.Add(item);
        });
        await pipeline.RunAsync().WaitAsync(Deadline);
        Assert.Equal(Enumerable.Range(0, 1000).Select(n => n * 2).Order(), seen.Order());
    }

    [Fact]
    public async Task Source_SlowConsumer_IsHeldBackByBoundedCapacity()
    {
        using var pipeline = new Pipeline.Pipeline();
        var produced = 0;
        var release = new TaskCompletionSource();
        var items = pipeline.Source<int>("numbers", 3, async (writer, token) =>
        {
            for (var i = 0; i < 100; i++)
            {
                await writer.WriteAsync(i, token);
                Interlocked.Increment(ref produced);
            }
        });
        pipeline.Sink<int>("slow", items, 1, async (_, stream, _) =>
        {
            await release.Task;
            await foreach (var _ in stream) { }
        });
        await Task.Delay(300);
        // Capacity 3: the producer cannot run ahead of a consumer that has not started.
        Assert.Equal(3, Volatile.Read(ref produced));
        release.SetResult();
        await pipeline.RunAsync().WaitAsync(Deadline);
        Assert.Equal(100, produced);
    }

    [Fact]
    public async Task Transform_Parallelism_RunsThatManyAtOnce()
    {
        using var pipeline = new Pipeline.Pipeline();
        var running = 0;
        var peak = 0;
        var items = pipeline.Source<int>("numbers", 16, async (writer, token) =>
        {
            for (var i = 0; i < 16; i++)
                await writer.WriteAsync(i, token);
        });
        var results = pipeline.Transform<int, int>("work", items, 4, 16, async (n, token) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(100, token);
            Interlocked.Decrement(ref running);
            return n;
        });
        pipeline.Sink<int>("drain", results, 1, async (_, stream, _) => { await foreach (var _ in stream) { } });
        await pipeline.RunAsync().WaitAsync(Deadline);
        Assert.Equal(4, peak);
    }

    [Fact]
    public async Task RunAsync_StageFails_SurfacesThatFailureWithStageNameAndStopsUpstream()
    {
        using var pipeline = new Pipeline.Pipeline();
        var sourceStopped = new TaskCompletionSource();
        var items = pipeline.Source<int>("endless", 2, async (writer, token) =>
        {
            try
            {
                for (var i = 0; ; i++)
                    await writer.WriteAsync(i, token);
            }
            finally
            {
                sourceStopped.SetResult();
            }
        });
        var results = pipeline.Transform<int, int>("explode", items, 2, 2, (n, _) =>
            n == 5 ? throw new InvalidOperationException("boom at 5") : ValueTask.FromResult(n));
        pipeline.Sink<int>("drain", results, 1, async (_, stream, _) => { await foreach (var _ in stream) { } });

        var error = await Assert.ThrowsAsync<PipelineStageException>(() => pipeline.RunAsync().WaitAsync(Deadline));
        Assert.Equal("explode", error.Stage);
        Assert.Contains("boom at 5", error.Message);
        await sourceStopped.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task RunAsync_UserErrorInSink_PassesThroughUnwrapped()
    {
        using var pipeline = new Pipeline.Pipeline();
        var items = pipeline.Source<int>("one", 1, (writer, token) => writer.WriteAsync(1, token).AsTask());
        pipeline.Sink<int>("fail", items, 1, (_, _, _) => throw new FxException("input.parquet row group 3: bad"));
        var error = await Assert.ThrowsAsync<FxException>(() => pipeline.RunAsync().WaitAsync(Deadline));
        Assert.Equal("input.parquet row group 3: bad", error.Message);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_EveryStageStopsAndCancellationSurfaces()
    {
        using var cts = new CancellationTokenSource();
        using var pipeline = new Pipeline.Pipeline(cts.Token);
        var items = pipeline.Source<int>("endless", 1, async (writer, token) =>
        {
            for (var i = 0; ; i++)
                await writer.WriteAsync(i, token);
        });
        pipeline.Sink<int>("slow", items, 1, async (_, stream, token) =>
        {
            await foreach (var item in stream)
                await Task.Delay(10, token);
        });
        cts.CancelAfter(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync().WaitAsync(Deadline));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
