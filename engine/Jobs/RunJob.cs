using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;

namespace FxEngine.Jobs;

/// <summary>Settings of the end-to-end local run.</summary>
public sealed class RunOptions
{
    /// <summary>The lake root. Default: <c>lake</c> in the working directory.</summary>
    public string Lake { get; set; } = "lake";

    /// <summary>Sample rows generated when the lake has no raw transactions. Default 1,000,000.</summary>
    public long SampleRows { get; set; } = 1_000_000;

    /// <summary>Seed of the sample transactions. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Date range of the sample transactions. Default: the 90 days ending yesterday (UTC).</summary>
    public DateOnly? From { get; set; }
    public DateOnly? To { get; set; }

    /// <summary>The reporting currency. Default SGD.</summary>
    public string Target { get; set; } = "SGD";

    /// <summary>Default 7.</summary>
    public int MaxStaleDays { get; set; } = 7;

    /// <summary>Default: the number of cores.</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Concurrent rate fetches. Default 4.</summary>
    public int FetchConcurrency { get; set; } = 4;

    /// <summary>Fetch rates even for days the lake already has. Default false.</summary>
    public bool Force { get; set; }

    public string Transactions => ObjectStore.Child(Lake, "raw_transactions");
    public string ProcessedData => ObjectStore.Child(Lake, "processed_data");
    public string RejectedData => ObjectStore.Child(Lake, "rejected_data");
    public string ExchangeRates => ObjectStore.Child(Lake, LakeRatesWriter.Folder.TrimEnd('/'));
}

/// <summary>What <see cref="RunJob"/> did.</summary>
public sealed record RunResult(int RatesFetched, int RatesSkipped, bool GeneratedSample, NormalizeResult Normalize);

/// <summary>
/// The whole flow on one machine: sample transactions when the lake has none; a snapshot
/// for every day they span, fetched from the rates source and carried through a channel (the
/// stand-in for the Kafka topic) to the lake's <c>exchange_rates/</c>; then normalization.
/// </summary>
public static class RunJob
{
    public static async Task<RunResult> RunAsync(RunOptions options, IRatesSource source, Action<string> log,
        IProgress<NormalizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var lake = ObjectStore.Open(options.Lake);
        var transactions = ObjectStore.Open(options.Transactions);

        var generated = false;
        if (!await HasInputAsync(transactions, cancellationToken).ConfigureAwait(false))
        {
            log($"no transactions in {transactions.Root}: generating {options.SampleRows:N0} sample rows");
            await TransactionGenerator.WriteAsync(new GenerateOptions
            {
                Rows = options.SampleRows, Output = options.Transactions, Seed = options.Seed, From = options.From, To = options.To,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            generated = true;
        }

        var range = await TransactionDates.RangeAsync(transactions, "txn_date", cancellationToken).ConfigureAwait(false)
            ?? throw new FxException($"{transactions.Root}: no row has a valid txn_date, so there are no days to fetch rates for");
        log($"transactions span {range.First:yyyy-MM-dd} to {range.Last:yyyy-MM-dd}; fetching {source.Name} rates");
        var (fetched, skipped) = await FetchRatesAsync(lake, source, range.First, range.Last, options, cancellationToken).ConfigureAwait(false);
        log($"rates: {fetched} snapshots landed in {lake.Describe(LakeRatesWriter.Folder)}, {skipped} already there");

        log("normalizing");
        var result = await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = options.ExchangeRates,
            Input = options.Transactions,
            Output = options.ProcessedData,
            Rejects = options.RejectedData,
            Target = options.Target,
            MaxStaleDays = options.MaxStaleDays,
            Workers = options.Workers,
        }, progress, cancellationToken).ConfigureAwait(false);
        return new RunResult(fetched, skipped, generated, result);
    }

    /// <summary>
    /// fetch (bounded concurrency) → topic (a bounded channel) → lake sink, skipping days the
    /// lake already holds unless forced.
    /// </summary>
    private static async Task<(int Fetched, int Skipped)> FetchRatesAsync(IObjectStore lake, IRatesSource source,
        DateOnly first, DateOnly last, RunOptions options, CancellationToken cancellationToken)
    {
        var days = new List<DateOnly>();
        var skipped = 0;
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            if (!options.Force && await lake.ExistsAsync(LakeRatesWriter.KeyOf(day), cancellationToken).ConfigureAwait(false))
                skipped++;
            else
                days.Add(day);
        }

        var sink = new LakeRatesWriter(lake);
        var landed = 0;
        using var pipeline = new Pipeline.Pipeline(cancellationToken);
        var dates = pipeline.Source<DateOnly>("dates", 16, async (writer, token) =>
        {
            foreach (var day in days)
                await writer.WriteAsync(day, token).ConfigureAwait(false);
        });
        var topic = pipeline.Transform<DateOnly, RatesMessage>("fetch", dates, options.FetchConcurrency, 16,
            async (day, token) => await source.FetchAsync(day, token).ConfigureAwait(false));
        pipeline.Sink<RatesMessage>("lake-sink", topic, 1, async (_, messages, token) =>
        {
            await foreach (var message in messages.ConfigureAwait(false))
            {
                await sink.WriteAsync(message, token).ConfigureAwait(false);
                landed++;
            }
        });
        await pipeline.RunAsync().ConfigureAwait(false);
        return (landed, skipped);
    }

    private static async Task<bool> HasInputAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (info.Key.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || info.Key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
