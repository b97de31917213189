using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>Rows done so far, and the total when known (-1 for CSV input).</summary>
public readonly record struct NormalizeProgress(long RowsDone, long RowsTotal);

/// <summary>What a run did.</summary>
public sealed record NormalizeResult(string RunId, string Target, NormalizeStats Stats, int OutputFiles, TimeSpan Elapsed, string SummaryJson);

/// <summary>
/// The in-process executor: a <see cref="NormalizeRun"/> (lock, rates, commit) around a channel
/// pipeline with a bounded number of batches in flight: units → read → normalize → buffer by
/// partition → encode and write.
/// </summary>
public static class NormalizeJob
{
    public static async Task<NormalizeResult> RunAsync(NormalizeOptions options, IProgress<NormalizeProgress>? progress = null,
        CancellationToken cancellationToken = default, Action<string>? log = null)
    {
        await using var run = await NormalizeRun.StartAsync(options, log, cancellationToken).ConfigureAwait(false);
        var input = OpenInput(options.Input);
        var units = await InputDiscovery.FindAsync(input.Store, cancellationToken, input.Key).ConfigureAwait(false);
        var normalizer = new BatchNormalizer(run.Rates, options.Columns);
        var totalRows = units.Any(u => u.Rows < 0) ? -1 : units.Sum(u => u.Rows);
        var stats = new NormalizeStats();
        var (output, rejects) = (run.Outputs.Output, run.Outputs.Rejects);
        await using var rows = new PartitionedParquetWriter(output.Store, output.StagingPrefix, run.FileName, options.RowGroupRows, options.MaxBufferedRows);
        await using var rejected = new PartitionedParquetWriter(rejects.Store, rejects.StagingPrefix, run.FileName, options.RowGroupRows, options.MaxBufferedRows);
        long rowsDone = 0;

        await run.WorkAsync(async token =>
        {
            using var pipeline = new Pipeline.Pipeline(token);
            var queue = pipeline.Source<InputUnit>("units", units.Count, async (writer, token) =>
            {
                foreach (var unit in units)
                    await writer.WriteAsync(unit, token).ConfigureAwait(false);
            });
            var batches = pipeline.Expand<InputUnit, ColumnBatch>("read", queue, options.Workers, options.Workers,
                (unit, writer, token) => BatchReader.ReadAsync(input.Store, unit, writer, token, options.CsvDelimiter));
            var normalized = pipeline.Transform<ColumnBatch, NormalizedBatch>("normalize", batches, options.Workers, options.Workers,
                (batch, _) =>
                {
                    try
                    {
                        var result = normalizer.Normalize(batch);
                        progress?.Report(new NormalizeProgress(Interlocked.Add(ref rowsDone, batch.RowCount), totalRows));
                        return ValueTask.FromResult(result);
                    }
                    finally
                    {
                        // What moves on is gathered copies: the input's pooled buffers go back now.
                        batch.Release();
                    }
                });
            // Buffering rows by partition is cheap and stateful, so one worker does it without
            // locks; encoding the row groups it hands out is the expensive part, done in parallel.
            var rowGroups = pipeline.Serial<NormalizedBatch, PartitionedParquetWriter.RowGroup>("buffer", normalized, options.Workers,
                async (item, groups, token) =>
                {
                    stats.Merge(item.Stats);
                    foreach (var (date, partition) in item.Partitions)
                        foreach (var group in rows.Add(date, partition))
                            await groups.WriteAsync(group, token).ConfigureAwait(false);
                    foreach (var (date, partition) in item.Rejects)
                        foreach (var group in rejected.Add(date, partition))
                            await groups.WriteAsync(group, token).ConfigureAwait(false);
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

        return await run.CommitAsync(stats, rows.Files.Count + rejected.Files.Count).ConfigureAwait(false);
    }

    /// <summary>Every snapshot under the rates location, as the broadcast table.</summary>
    internal static async Task<RateTable> LoadRatesAsync(NormalizeOptions options, CancellationToken cancellationToken)
    {
        var ratesStore = ObjectStore.Open(options.Rates);
        var snapshots = await LakeRatesReader.LoadAsync(ratesStore, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 0)
            throw new FxException($"{ratesStore.Root}: no rate snapshots (*.json) found; fetch rates first");
        return new RateTable(snapshots, options.Target, options.MaxStaleDays);
    }

    /// <summary>The input as a store and, when the location names one file, that file's key.</summary>
    internal static (IObjectStore Store, string? Key) OpenInput(string location)
    {
        var trimmed = location.TrimEnd('/');
        var isFile = InputDiscovery.FormatOf(trimmed[(trimmed.LastIndexOf('/') + 1)..]) is not null;
        if (ObjectStore.IsS3(location))
        {
            if (!isFile)
                return (ObjectStore.Open(location), null);
            var cut = trimmed.LastIndexOf('/');
            return (ObjectStore.Open(trimmed[..cut]), trimmed[(cut + 1)..]);
        }
        var path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(location).LocalPath : location;
        if (File.Exists(path))
            return (ObjectStore.Open(Path.GetDirectoryName(Path.GetFullPath(path))!), Path.GetFileName(path));
        if (!Directory.Exists(path))
            throw new FxException($"{Path.GetFullPath(path)}: input location does not exist");
        return (ObjectStore.Open(path), null);
    }
}
