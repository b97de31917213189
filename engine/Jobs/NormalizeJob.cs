using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Table;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>Rows done so far, and the total when known (-1 for CSV input).</summary>
public readonly record struct NormalizeProgress(long RowsDone, long RowsTotal);

/// <summary>What a run did.</summary>
public sealed record NormalizeResult(string RunId, string Target, NormalizeStats Stats, int OutputFiles, TimeSpan Elapsed, string SummaryJson)
{
    /// <summary>Bytes of rows that waited in a spill file because the memory budget was full.</summary>
    public long SpilledBytes { get; init; }

    /// <summary>Which partitions the run recomputed and why, and how rows changed status.</summary>
    public Table.TableChanges Changes { get; init; } = Table.TableChanges.None;

    /// <summary>The most input row groups (or CSV files) read and normalized at one time.</summary>
    internal int MostReadAtOnce { get; init; }
}

/// <summary>
/// The in-process executor: a <see cref="NormalizeRun"/> (lock, rates, commit) around a channel
/// pipeline with a bounded number of batches in flight: units → read → normalize → buffer by
/// partition → encode and write.
/// </summary>
public static class NormalizeJob
{
    /// <summary>
    /// Rows normalized and handed on at a time: a sixteenth of a usual input row group. Smaller
    /// slices have smaller temporaries and hold less in flight between stages: with rows waiting
    /// as bytes (<see cref="RowSpool"/>), 16,384 took peak RSS from 346-360 to 299-324 MiB at 1M
    /// rows and from 428-456 to 377-394 MiB at 10M in the same time; 32,768 and 8,192 did less well.
    /// </summary>
    private const int NormalizeSliceRows = 16_384;

    /// <summary>
    /// Rows read between the full collections that free the input's page buffers
    /// (<see cref="Pipeline.LargeObjectCollector"/>): about one usual input row group. Collecting
    /// after each 250k-row row group took peak RSS at 20M rows from 526-537 to 452-464 MiB and at
    /// 10M from 350-371 to 336-356 MiB; 1M did not move, nor did the time (benchmarks/README.md).
    /// </summary>
    private const long CollectEveryRows = 200_000;

    public static async Task<NormalizeResult> RunAsync(NormalizeOptions options, IProgress<NormalizeProgress>? progress = null,
        CancellationToken cancellationToken = default, Action<string>? log = null)
    {
        // A killed run's spill file (it can be GiBs) goes first, whatever this run then does:
        // one that finds nothing to recompute, or is refused the lock, would not reach a later sweep.
        LocalSpool.SweepDead(SpillFile.Kind, options.SpillDirectory);
        await using var run = await NormalizeRun.StartAsync(options, log, cancellationToken).ConfigureAwait(false);
        var input = OpenInput(options.Input);
        var files = await InputDiscovery.ListFilesAsync(input.Store, input.Key, cancellationToken).ConfigureAwait(false);
        var plan = await run.PlanAsync(input.Store, files, cancellationToken).ConfigureAwait(false);
        var stats = new NormalizeStats();
        var counts = new PartitionCounts();
        if (plan.UpToDate && plan.Previous is { } last && await run.LastCommitCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            log?.Invoke($"{options.Output}: up to date, nothing to recompute ({last.Partitions.Count} partitions)");
            return new NormalizeResult(last.RunId, run.Rates.Target, stats, 0, TimeSpan.Zero, "") { Changes = TableChanges.UpToDate(last.Partitions.Count) };
        }
        if (!plan.Full)
            log?.Invoke($"{options.Output}: recomputing {plan.Reasons.Count} partition(s) from {plan.FilesToRead.Count} input file(s)");
        await using var parquet = new ParquetFiles(input.Store);
        // Files of other schemas shape the merged schema even when unread; with one schema (the state
        // knows each file's) only the files read need their footers opened.
        var schemaOf = plan.Files.Values.Select(f => f.Schema).Distinct().Count() > 1 ? files : plan.FilesToRead;
        var units = await InputDiscovery.UnitsAsync(input.Store, plan.FilesToRead, schemaOf, cancellationToken, parquet).ConfigureAwait(false);
        var normalizer = new BatchNormalizer(run.Rates, options.Columns);
        var filter = new PartitionFilter(plan, options.Columns.Date);
        var totalRows = units.Any(u => u.Rows < 0) ? -1 : units.Sum(u => u.Rows);
        var (output, rejects) = (run.Outputs.Output, run.Outputs.Rejects);
        // Staged: the commit moves every file into place, flushing it to disk then, before the state names it.
        await using var rows = new PartitionedParquetWriter(output.Store, output.StagingPrefix, run.FileName, options.RowGroupRows, options.RowBufferBytes, options.SpillDirectory, staged: true);
        await using var rejected = new PartitionedParquetWriter(rejects.Store, rejects.StagingPrefix, run.FileName, options.RowGroupRows, options.RejectBufferBytes, options.SpillDirectory, staged: true);
        long rowsDone = 0;
        var collector = options.CollectReadBuffers ? new Pipeline.LargeObjectCollector(CollectEveryRows) : null;
        var reading = new Pipeline.MemoryGate(options.ReadBytes);
        if (ReadingNote(options, units) is { } note)
            log?.Invoke(note);

        await run.WorkAsync(async token =>
        {
            using var pipeline = new Pipeline.Pipeline(token);
            var queue = pipeline.Source<InputUnit>("units", units.Count, async (writer, token) =>
            {
                foreach (var unit in units)
                    await writer.WriteAsync(unit, token).ConfigureAwait(false);
            });
            // Each worker reads a row group and normalizes it before reading the next: the input
            // batches alive are at most one per worker, the largest objects of a run, and only as
            // many as the budget's share for them admits (large row groups are read one at a time).
            var normalized = pipeline.Expand<InputUnit, NormalizedBatch>("read and normalize", queue, options.Workers, 1,
                async (unit, output, token) =>
                {
                    using var admitted = await reading.EnterAsync(unit.Footprint, token).ConfigureAwait(false);
                    await BatchReader.ReadAsync(input.Store, unit, (read, token) => NormalizeAsync(unit, read, output, token), token, options.CsvDelimiter, parquet)
                        .ConfigureAwait(false);
                });
            async ValueTask NormalizeAsync(InputUnit unit, ColumnBatch read, System.Threading.Channels.ChannelWriter<NormalizedBatch> output, CancellationToken token)
            {
                var rowsRead = read.RowCount;
                try
                {
                    // Null: no row of a partition this run recomputes.
                    if (filter.Select(read) is { } batch)
                    {
                        read = batch;
                        foreach (var slice in normalizer.Normalize(batch, NormalizeSliceRows))
                            await output.WriteAsync(slice, token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    // What moved on is gathered copies: the input's pooled buffers go back now.
                    read.Dispose();
                }
                // CSV has no page buffers to free.
                if (unit.Format == InputFormat.Parquet)
                    collector?.Read(rowsRead);
                progress?.Report(new NormalizeProgress(Interlocked.Add(ref rowsDone, rowsRead), totalRows));
            }
            // Buffering rows by partition is cheap and stateful, so one worker does it without
            // locks; encoding the row groups it hands out is the expensive part, done in parallel.
            var rowGroups = pipeline.Serial<NormalizedBatch, PartitionedParquetWriter.RowGroup>("buffer", normalized, 1,
                async (item, groups, token) =>
                {
                    stats.Merge(item.Stats);
                    foreach (var (date, partition) in item.Partitions)
                    {
                        counts.Converted(date, partition);
                        foreach (var group in rows.Add(date, partition))
                            await groups.WriteAsync(group, token).ConfigureAwait(false);
                    }
                    foreach (var (date, partition) in item.Rejects)
                    {
                        counts.Rejected(date is { } day ? TableState.PartitionOf(day) : TableState.Undated, partition.RowCount);
                        foreach (var group in rejected.Add(date, partition))
                            await groups.WriteAsync(group, token).ConfigureAwait(false);
                    }
                },
                async (groups, token) =>
                {
                    foreach (var group in rows.Flush().Concat(rejected.Flush()))
                        await groups.WriteAsync(group, token).ConfigureAwait(false);
                });
            pipeline.Sink<PartitionedParquetWriter.RowGroup>("write", rowGroups, options.Workers, async (_, groups, token) =>
            {
                await foreach (var group in groups.ConfigureAwait(false))
                    await group.WriteAsync(token).ConfigureAwait(false);
            });
            await pipeline.RunAsync().ConfigureAwait(false);
            await rows.CompleteAsync(token).ConfigureAwait(false);
            await rejected.CompleteAsync(token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var spilled = rows.SpilledBytes + rejected.SpilledBytes;
        var result = await run.CommitAsync(stats, rows.Files.Count + rejected.Files.Count, counts).ConfigureAwait(false);
        return result with { SpilledBytes = spilled, MostReadAtOnce = reading.MostAtOnce };
    }

    /// <summary>
    /// Says when the input's row groups are too large for every worker to read one at once within
    /// the budget: the run is then slower than <c>--workers</c> promises, and why should be visible.
    /// </summary>
    private static string? ReadingNote(NormalizeOptions options, IReadOnlyList<InputUnit> units)
    {
        var largest = units.MaxBy(u => u.Footprint);
        if (largest is not { Footprint: > 0 })
            return null;
        var atOnce = (int)Math.Clamp(options.ReadBytes / largest.Footprint, 1, options.Workers);
        if (atOnce >= Math.Min(options.Workers, units.Count(u => u.Format == InputFormat.Parquet)))
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{options.Input}: row groups of up to {largest.Rows:N0} rows take about {largest.Footprint >> 20:N0} MiB each to read; " +
            $"reading {atOnce} at a time, not {options.Workers}, within --memory-budget {options.MemoryBudget >> 20:N0} MiB");
    }

    /// <summary>Every snapshot under the rates location, as the broadcast table.</summary>
    internal static Task<RateTable> LoadRatesAsync(NormalizeOptions options, CancellationToken cancellationToken) =>
        RateTable.LoadAsync(options.Rates, options.TargetCode, options.MaxStaleDays, cancellationToken);

    /// <summary>The input as a store and, when the location names one file, that file's key.</summary>
    internal static (IObjectStore Store, string? Key) OpenInput(string location) => InputLocation.Open(location);
}
