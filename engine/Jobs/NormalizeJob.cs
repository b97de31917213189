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
/// The batch normalizer: loads the snapshots into a broadcast <see cref="RateTable"/>, then
/// streams the input through a channel pipeline (units → read → normalize → write) with
/// a bounded number of batches in flight, and commits output and rejects together under
/// the run lock of both locations.
/// </summary>
public static class NormalizeJob
{
    public static async Task<NormalizeResult> RunAsync(NormalizeOptions options, IProgress<NormalizeProgress>? progress = null,
        CancellationToken cancellationToken = default, Action<string>? log = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var runId = RunId(started);
        await using var outputs = await RunOutputs.OpenAsync(runId, options.Output, options.RejectsLocation, options.Wait, log, cancellationToken).ConfigureAwait(false);
        var rates = await LoadRatesAsync(options, cancellationToken).ConfigureAwait(false);
        var ratesLoaded = clock.Elapsed;

        var input = OpenInput(options.Input);
        var units = await InputDiscovery.FindAsync(input.Store, cancellationToken, input.Key).ConfigureAwait(false);
        var normalizer = new BatchNormalizer(rates, options.Columns);
        var totalRows = units.Any(u => u.Rows < 0) ? -1 : units.Sum(u => u.Rows);

        // A run that loses its lock stops at once: it must not commit over the next holder.
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, outputs.Lost);
        var token = running.Token;
        var stats = new NormalizeStats();
        var fileName = $"part-{runId}.parquet";
        await using var rows = new PartitionedParquetWriter(outputs.Output.Store, outputs.Output.StagingPrefix, fileName, options.RowGroupRows, options.MaxBufferedRows);
        await using var rejected = new PartitionedParquetWriter(outputs.Rejects.Store, outputs.Rejects.StagingPrefix, fileName, options.RowGroupRows, options.MaxBufferedRows);
        long rowsDone = 0;
        try
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
                        batch.Dispose();
                    }
                });
            // One worker buffers rows by partition (cheap, no locks); encoding and writing the
            // row groups it hands out is the expensive part, done by every worker in parallel.
            var rowGroups = pipeline.Source<PartitionedParquetWriter.RowGroup>("buffer", options.Workers, async (writer, token) =>
            {
                await foreach (var item in normalized.ReadAllAsync(token).ConfigureAwait(false))
                {
                    stats.Merge(item.Stats);
                    foreach (var (date, partition) in item.Partitions)
                        foreach (var group in rows.Add($"{OutputSchema.PartitionColumn}={date:yyyy-MM-dd}", partition))
                            await writer.WriteAsync(group, token).ConfigureAwait(false);
                    if (item.Rejects is not null)
                        foreach (var group in rejected.Add("", item.Rejects))
                            await writer.WriteAsync(group, token).ConfigureAwait(false);
                }
                foreach (var group in rows.Drain().Concat(rejected.Drain()))
                    await writer.WriteAsync(group, token).ConfigureAwait(false);
            });
            pipeline.Sink<PartitionedParquetWriter.RowGroup>("write", rowGroups, options.Workers, async (_, groups, token) =>
            {
                await foreach (var group in groups.ConfigureAwait(false))
                    await PartitionedParquetWriter.WriteAsync(group, token).ConfigureAwait(false);
            });
            await pipeline.RunAsync().ConfigureAwait(false);
            await rows.CompleteAsync(token).ConfigureAwait(false);
            await rejected.CompleteAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (outputs.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new FxException($"{options.Output}: this run lost its run lock (its lease could not be renewed); it stopped without committing, run again");
        }
        var files = rows.Files.Count() + rejected.Files.Count();
        var processed = clock.Elapsed;

        var summary = Summary(runId, started, options, rates, stats, files, ratesLoaded, processed - ratesLoaded, clock.Elapsed);
        await outputs.CommitAsync(summary).ConfigureAwait(false);
        return new NormalizeResult(runId, rates.Target, stats, files, clock.Elapsed, System.Text.Encoding.UTF8.GetString(summary));
    }

    internal static string RunId(DateTimeOffset started) => $"{started:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";

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

    internal static byte[] Summary(string runId, DateTimeOffset started, NormalizeOptions options, RateTable rates,
        NormalizeStats stats, int files, TimeSpan loadRates, TimeSpan normalize, TimeSpan total)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("run_id", runId);
            json.WriteString("started_at", started.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("target", rates.Target);
            json.WriteNumber("max_stale_days", rates.MaxStaleDays);
            json.WriteString("input", options.Input);
            json.WriteString("output", options.Output);
            json.WriteString("rejects", options.RejectsLocation);
            json.WriteStartObject("rates");
            json.WriteNumber("snapshots", rates.Snapshots.Count);
            json.WriteString("first_date", rates.Snapshots[0].Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("last_date", rates.Snapshots[^1].Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteNumber("rows_in", stats.RowsIn);
            json.WriteNumber("rows_out", stats.RowsOut);
            json.WriteNumber("rows_rejected", stats.RowsRejected);
            json.WriteNumber("rejected_percent", Math.Round(stats.RejectedPercent(), 4));
            json.WriteStartObject("rejected_by_reason");
            foreach (var reason in RejectReason.All)
                json.WriteNumber(reason, stats.RejectedByReason.GetValueOrDefault(reason));
            json.WriteEndObject();
            json.WriteStartObject("rejected_percent_by_reason");
            foreach (var reason in RejectReason.All)
                json.WriteNumber(reason, Math.Round(stats.RejectedPercent(reason), 4));
            json.WriteEndObject();
            json.WriteNumber("stale_rows", stats.StaleRows);
            // The rate dates that converted rows, which can differ from the snapshots loaded above.
            json.WriteStartObject("rate_dates_used");
            if (stats.FirstRateDate is { } firstRate && stats.LastRateDate is { } lastRate)
            {
                json.WriteString("first", firstRate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteString("last", lastRate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            json.WriteEndObject();
            json.WriteNumber($"amount_{rates.Target.ToLowerInvariant()}_total", stats.AmountTarget);
            json.WriteStartObject("currencies");
            foreach (var (code, totals) in stats.Currencies)
            {
                json.WriteStartObject(code);
                json.WriteNumber("rows", totals.Rows);
                json.WriteNumber("amount", totals.Amount);
                json.WriteNumber($"amount_{rates.Target.ToLowerInvariant()}", totals.AmountTarget);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteNumber("files", files);
            json.WriteStartObject("timings_ms");
            json.WriteNumber("load_rates", (long)loadRates.TotalMilliseconds);
            json.WriteNumber("normalize", (long)normalize.TotalMilliseconds);
            json.WriteNumber("total", (long)total.TotalMilliseconds);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
