using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FxEngine.Sinks;
using FxEngine.Storage;
using FxEngine.Table;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// One normalize run, whichever executor does the work: its id and clock, the run lock and
/// staging of output and rejects, the broadcast rate table, the table state and the plan of
/// which partitions to recompute, and the summary and commit at the end. Disposing a run that
/// did not commit removes what it staged and frees the lock.
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

    /// <summary>The partitions this run recomputes; set by <see cref="PlanAsync"/>.</summary>
    public ChangePlan Plan { get; private set; } = null!;

    /// <summary>Where the plan's input files are.</summary>
    private IObjectStore _input = null!;

    /// <summary>The run's data file name, the same in every partition folder.</summary>
    public string FileName => $"part-{Id}.parquet";

    /// <summary>Validates the options, takes the run lock of output and rejects, and loads the rates.</summary>
    public static async Task<NormalizeRun> StartAsync(NormalizeOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var id = $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
        // Unless the run queues for the lock (then it takes the rates there when its turn comes),
        // the rates load on another core while the lock is taken and the outputs swept: both wait
        // on the stores. A refused lock stops the load.
        using var stopLoading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loading = options.Wait is null ? Task.Run(() => NormalizeJob.LoadRatesAsync(options, stopLoading.Token), stopLoading.Token) : null;
        RunOutputs outputs;
        try
        {
            outputs = await RunOutputs.OpenAsync(id, options.Output, options.RejectsLocation, options.Wait, log, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The lock's error is reported at once; the rates load stops, its failure observed.
            await stopLoading.CancelAsync().ConfigureAwait(false);
            _ = loading?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
        try
        {
            var rates = await (loading ?? NormalizeJob.LoadRatesAsync(options, cancellationToken)).ConfigureAwait(false);
            return new NormalizeRun(options, id, started, clock, outputs, rates, cancellationToken);
        }
        catch
        {
            await outputs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Compares the table state with the inputs and rates there now: which partitions are out
    /// of date, and which input files hold their rows.
    /// </summary>
    public async Task<ChangePlan> PlanAsync(IObjectStore input, IReadOnlyList<ObjectInfo> files, CancellationToken cancellationToken, bool full = false)
    {
        var previous = await TableState.LoadAsync(Outputs.Output.Store, cancellationToken).ConfigureAwait(false);
        var interrupted = await PendingCommit.LoadAsync(Outputs.Output.Store, cancellationToken).ConfigureAwait(false);
        // A commit killed halfway may have moved and deleted files it never flushed; this run's
        // commit flushes only what it changes itself.
        if (interrupted is not null)
            foreach (var store in new[] { Outputs.Output.Store, Outputs.Rejects.Store })
                await store.FlushAllAsync(cancellationToken).ConfigureAwait(false);
        var settings = string.Create(CultureInfo.InvariantCulture,
            $"{Rates.Target}|{Rates.MaxStaleDays}|{Options.Columns.Date}|{Options.Columns.Currency}|{Options.Columns.Amount}|{(int)Options.CsvDelimiter}|{Options.RejectsLocation}");
        Plan = await ChangePlan.BuildAsync(previous, interrupted, input, files, Rates, settings, full || Options.Full, Options.Columns.Date, Options.CsvDelimiter, cancellationToken)
            .ConfigureAwait(false);
        _input = input;
        return Plan;
    }

    /// <summary>
    /// When nothing is out of date: true if the last commit finished (nothing to do at all);
    /// false if it was interrupted after its data, so this run must still finish it.
    /// </summary>
    public async Task<bool> LastCommitCompleteAsync(CancellationToken cancellationToken) =>
        Plan.Previous is { } previous && await Outputs.Output.MarkerRunAsync(cancellationToken).ConfigureAwait(false) == previous.RunId;

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

    /// <summary>
    /// Publishes the recomputed partitions of output and rejects together, with the table state
    /// that now describes every partition and a summary of what changed.
    /// </summary>
    public async Task<NormalizeResult> CommitAsync(NormalizeStats stats, int files, PartitionCounts counts)
    {
        await EnsureInputUnchangedAsync(_running.Token).ConfigureAwait(false);
        var processed = _clock.Elapsed;
        var partitions = new SortedDictionary<string, PartitionState>(StringComparer.Ordinal);
        if (!Plan.Full)
            foreach (var (key, kept) in Plan.Previous!.Partitions)
                if (!Plan.Reasons.ContainsKey(key))
                    partitions[key] = kept;
        foreach (var (key, (converted, stale, rejected)) in counts.All)
            partitions[key] = new PartitionState { Rates = Plan.RatesOf(key), RunId = Id, RowsOut = converted, StaleRows = stale, RowsRejected = rejected };
        var state = new TableState
        {
            RunId = Id, Scan = ChangePlan.ScanKey(Options.Columns.Date, Options.CsvDelimiter), Settings = Plan.Settings, Files = Plan.Files, Partitions = partitions,
            Stream = Plan.Previous?.Stream,
        };

        var changes = TableChanges.Of(Plan, counts);
        var summary = RunSummary.Build(Id, Started, Options, Rates, stats, files, RatesLoaded, processed - RatesLoaded, processed, changes.Write);
        var intent = new PendingCommit { RunId = Id, Partitions = Plan.Full ? null : Plan.Reasons.Keys.ToList() };
        await Outputs.CommitAsync(summary, Plan.Folders, state.ToJson(), intent.ToJson()).ConfigureAwait(false);
        return new NormalizeResult(Id, Rates.Target, stats, files, _clock.Elapsed, System.Text.Encoding.UTF8.GetString(summary)) { Changes = changes };
    }

    /// <summary>
    /// Fails unless every input file read is still the version the plan listed. One rewritten
    /// meanwhile may have been read part old, part new (a reader opened later reads the new
    /// file), and the table state would describe a version the output does not hold.
    /// </summary>
    private async Task EnsureInputUnchangedAsync(CancellationToken cancellationToken)
    {
        if (Plan.FilesToRead.Count == 0)
            return;
        // Only where the files read lie: one file of a large folder lists that file alone.
        var prefix = Plan.FilesToRead.Select(f => f.Key).Aggregate((a, b) => a[..a.AsSpan().CommonPrefixLength(b)]);
        var now = new Dictionary<string, ObjectInfo>(StringComparer.Ordinal);
        await foreach (var info in _input.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            now[info.Key] = info;
        foreach (var read in Plan.FilesToRead)
        {
            var change = !now.TryGetValue(read.Key, out var current) ? "was deleted"
                : current.Size != read.Size ? $"changed size, from {read.Size:N0} to {current.Size:N0} bytes"
                : current.Version != read.Version ? "was rewritten" : null;
            if (change is not null)
                throw new FxException($"{_input.Describe(read.Key)}: the input file {change} while this run read it; nothing was committed, run again");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _running.Dispose();
        await Outputs.DisposeAsync().ConfigureAwait(false);
    }
}
