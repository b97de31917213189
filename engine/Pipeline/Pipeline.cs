using System.Threading.Channels;

namespace FxEngine.Pipeline;

/// <summary>
/// A graph of bounded stages connected by channels. Every stage owns its output channel and
/// completes it in a finally with the stage's error, so failure and completion travel
/// downstream; the first failure also cancels the shared token, so upstream stages blocked
/// on a full channel stop too. <see cref="RunAsync"/> surfaces that first failure.
/// </summary>
internal sealed class Pipeline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly List<Task> _stages = [];
    private readonly Lock _gate = new();
    private Exception? _firstError;

    public Pipeline(CancellationToken cancellationToken = default) =>
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

    /// <summary>Cancelled when the caller cancels or any stage fails.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>A stage with no input that writes items into its bounded output.</summary>
    public ChannelReader<T> Source<T>(string name, int capacity, Func<ChannelWriter<T>, CancellationToken, Task> produce)
    {
        var output = NewChannel<T>(capacity);
        Start(name, output.Writer, () => produce(output.Writer, Token));
        return output.Reader;
    }

    /// <summary>
    /// A stage that maps each input item to one output item with up to
    /// <paramref name="parallelism"/> concurrent workers. Output order is not preserved when
    /// parallelism is above one.
    /// </summary>
    public ChannelReader<TOut> Transform<TIn, TOut>(
        string name, ChannelReader<TIn> input, int parallelism, int capacity,
        Func<TIn, CancellationToken, ValueTask<TOut>> map) =>
        Expand<TIn, TOut>(name, input, parallelism, capacity,
            async (item, output, token) => await output.WriteAsync(await map(item, token).ConfigureAwait(false), token).ConfigureAwait(false));

    /// <summary>
    /// A stage that turns each input item into any number of output items (a file into its
    /// batches), with up to <paramref name="parallelism"/> concurrent workers.
    /// </summary>
    public ChannelReader<TOut> Expand<TIn, TOut>(
        string name, ChannelReader<TIn> input, int parallelism, int capacity,
        Func<TIn, ChannelWriter<TOut>, CancellationToken, Task> expand)
    {
        var output = NewChannel<TOut>(capacity);
        Start(name, output.Writer, () => Workers(name, parallelism, async _ =>
        {
            await foreach (var item in input.ReadAllAsync(Token).ConfigureAwait(false))
                await expand(item, output.Writer, Token).ConfigureAwait(false);
        }));
        return output.Reader;
    }

    /// <summary>
    /// A single-worker stage for a step that keeps state across items (rows buffered by
    /// partition): it sees every item in arrival order with no locks, may emit any number of
    /// items for each, and runs <paramref name="finish"/> once the input is exhausted.
    /// </summary>
    public ChannelReader<TOut> Serial<TIn, TOut>(
        string name, ChannelReader<TIn> input, int capacity,
        Func<TIn, ChannelWriter<TOut>, CancellationToken, ValueTask> step,
        Func<ChannelWriter<TOut>, CancellationToken, ValueTask> finish)
    {
        var output = NewChannel<TOut>(capacity);
        Start(name, output.Writer, async () =>
        {
            await foreach (var item in input.ReadAllAsync(Token).ConfigureAwait(false))
                await step(item, output.Writer, Token).ConfigureAwait(false);
            await finish(output.Writer, Token).ConfigureAwait(false);
        });
        return output.Reader;
    }

    /// <summary>
    /// A terminal stage of <paramref name="parallelism"/> workers, each given its index so it
    /// can own per-worker state (an open file, counters) without locks.
    /// </summary>
    public void Sink<TIn>(string name, ChannelReader<TIn> input, int parallelism,
        Func<int, IAsyncEnumerable<TIn>, CancellationToken, Task> consume) =>
        Start<TIn>(name, null, () => Workers(name, parallelism, worker => consume(worker, input.ReadAllAsync(Token), Token)));

    /// <summary>Waits for every stage; throws the first failure with the stage that raised it.</summary>
    public async Task RunAsync()
    {
        try { await Task.WhenAll(_stages).ConfigureAwait(false); }
        catch { /* the first failure is recorded below; later ones are its consequences */ }

        if (_firstError is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_firstError);
        _cts.Token.ThrowIfCancellationRequested();
    }

    public void Dispose() => _cts.Dispose();

    private static Channel<T> NewChannel<T>(int capacity) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });

    /// <summary>Runs the workers of a stage; the first to fail cancels the pipeline at once, so its siblings stop too.</summary>
    private Task Workers(string name, int parallelism, Func<int, Task> body) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, parallelism)).Select(i => Task.Run(async () =>
        {
            try
            {
                await body(i).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fail(name, ex);
                throw;
            }
        })));

    private void Start<T>(string name, ChannelWriter<T>? output, Func<Task> body)
    {
        _stages.Add(Task.Run(async () =>
        {
            Exception? error = null;
            try
            {
                await body().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
                Fail(name, ex);
                throw;
            }
            finally
            {
                output?.TryComplete(error);
            }
        }));
    }

    private void Fail(string stage, Exception ex)
    {
        lock (_gate)
        {
            // A stage that stops because another one failed reports cancellation or a closed
            // channel: only the original failure is worth surfacing.
            if (_firstError is null && !IsConsequence(ex))
                _firstError = ex is FxException or PipelineStageException ? ex : new PipelineStageException(stage, ex);
        }
        _cts.Cancel();
    }

    private bool IsConsequence(Exception ex) =>
        (ex is OperationCanceledException && _cts.IsCancellationRequested) || ex is ChannelClosedException;
}

/// <summary>An unexpected failure inside a stage, named so the operator knows where it happened.</summary>
internal sealed class PipelineStageException(string stage, Exception inner)
    : Exception($"stage '{stage}' failed: {inner.Message}", inner)
{
    public string Stage { get; } = stage;
}
