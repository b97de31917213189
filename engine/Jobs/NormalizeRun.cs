using System.Diagnostics;
using FxEngine.Sinks;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// One normalize run, whichever executor does the work: its id and clock, the run lock and
/// staging of output and rejects, the broadcast rate table, and the summary and commit at the
/// end. Disposing a run that did not commit removes what it staged and frees the lock.
/// </summary>
internal sealed class NormalizeRun : IAsyncDisposable
{
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _running;
    private readonly CancellationToken _caller;

    private NormalizeRun(NormalizeOptions options, string id, DateTimeOffset started, Stopwatch clock, RunOutputs outputs,
        RateTable rates, CancellationToken caller)
    {
        (Options, Id, Started, _clock, Outputs, Rates, _caller) = (options, id, started, clock, outputs, rates, caller);
        RatesLoaded = clock.Elapsed;
        // A run that loses its lock stops at once: it must not commit over the next holder.
        _running = CancellationTokenSource.CreateLinkedTokenSource(caller, outputs.Lost);
    }

    public NormalizeOptions Options { get; }

    public string Id { get; }

    public DateTimeOffset Started { get; }

    public RunOutputs Outputs { get; }

    public RateTable Rates { get; }

    public TimeSpan RatesLoaded { get; }

    /// <summary>The run's data file name, the same in every partition folder.</summary>
    public string FileName => $"part-{Id}.parquet";

    /// <summary>Validates the options, takes the run lock of output and rejects, and loads the rates.</summary>
    public static async Task<NormalizeRun> StartAsync(NormalizeOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var id = $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
        var outputs = await RunOutputs.OpenAsync(id, options.Output, options.RejectsLocation, options.Wait, log, cancellationToken).ConfigureAwait(false);
        try
        {
            var rates = await NormalizeJob.LoadRatesAsync(options, cancellationToken).ConfigureAwait(false);
            return new NormalizeRun(options, id, started, clock, outputs, rates, cancellationToken);
        }
        catch
        {
            await outputs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the executor's work with the run's token (the caller's, or a lost lock), turning a
    /// stop caused by a lost lock into the error it is.
    /// </summary>
    public async Task WorkAsync(Func<CancellationToken, Task> work)
    {
        try
        {
            await work(_running.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Outputs.Lost.IsCancellationRequested && !_caller.IsCancellationRequested)
        {
            throw new FxException($"{Options.Output}: this run lost its run lock (its lease could not be renewed); it stopped without committing, run again");
        }
    }

    /// <summary>Writes the summary and publishes output and rejects together.</summary>
    public async Task<NormalizeResult> CommitAsync(NormalizeStats stats, int files)
    {
        var processed = _clock.Elapsed;
        var summary = RunSummary.Build(Id, Started, Options, Rates, stats, files, RatesLoaded, processed - RatesLoaded, processed);
        await Outputs.CommitAsync(summary).ConfigureAwait(false);
        return new NormalizeResult(Id, Rates.Target, stats, files, _clock.Elapsed, System.Text.Encoding.UTF8.GetString(summary));
    }

    public async ValueTask DisposeAsync()
    {
        _running.Dispose();
        await Outputs.DisposeAsync().ConfigureAwait(false);
    }
}
