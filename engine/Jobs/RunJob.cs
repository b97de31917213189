using FxEngine.Kafka;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Table;

namespace FxEngine.Jobs;

/// <summary>
/// The whole flow, and the daily job: sample transactions when the lake has none (unless
/// turned off); a snapshot for every day they span (up to today with <see cref="RunOptions.Latest"/>)
/// that the lake lacks or holds only provisionally, fetched from the rates source, published
/// to the rates topic and landed by the lake sink in <c>exchange_rates/</c> (through the real
/// Kafka client, against an embedded broker unless a cluster is configured); then an
/// incremental normalization.
/// </summary>
public static class RunJob
{
    public static async Task<RunResult> RunAsync(RunOptions options, IRatesSource source, Action<string> log,
        IProgress<PhaseProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lake = ObjectStore.Open(options.Lake);
        var transactions = ObjectStore.Open(options.Transactions);

        var generated = false;
        if (!await HasInputAsync(transactions, cancellationToken).ConfigureAwait(false))
        {
            if (!options.GenerateSample)
                throw new FxException($"no transactions (.parquet or .csv) in {transactions.Root}; land them there first (--no-sample: no sample data is generated)");
            log($"no transactions in {transactions.Root}: generating {options.SampleRows:N0} sample rows");
            await TransactionGenerator.WriteAsync(options.Sample(), progress, cancellationToken).ConfigureAwait(false);
            generated = true;
        }
        var generateTime = clock.Elapsed;

        var range = await InputRange.OfAsync(transactions, ObjectStore.Open(options.ProcessedData), "txn_date", ',', cancellationToken).ConfigureAwait(false)
            ?? throw new FxException($"{transactions.Root}: no row has a valid txn_date, so there are no days to fetch rates for");
        var today = DateOnly.FromDateTime(options.Clock.GetUtcNow().UtcDateTime);
        var last = options.Latest && today > range.Last ? today : range.Last;
        log($"transactions span {range.First:yyyy-MM-dd} to {range.Last:yyyy-MM-dd}; rates for {range.First:yyyy-MM-dd} to {last:yyyy-MM-dd} from {source.Name}");
        var (published, fetched, skipped) = await FetchRatesAsync(lake, source, range.First, last, options, log, progress, cancellationToken).ConfigureAwait(false);
        log(published == 0
            ? $"rates: nothing to fetch: {lake.Describe(LakeRatesWriter.Folder)} has every day it needs ({skipped} already there); nothing published"
            : $"rates: {Snapshots(fetched)} landed in {lake.Describe(LakeRatesWriter.Folder)}, {skipped} already there");
        var ratesTime = clock.Elapsed - generateTime;

        log("normalizing");
        var normalizing = progress is null ? null
            : new ProgressRelay<NormalizeProgress>(p => progress.Report(new PhaseProgress("normalizing", p.RowsDone, p.RowsTotal, "rows")));
        var result = await NormalizeJob.RunAsync(options.Normalization(), normalizing, cancellationToken, log).ConfigureAwait(false);
        return new RunResult(fetched, skipped, generated, result, clock.Elapsed, generateTime, ratesTime);
    }

    /// <summary>
    /// produce (fetch with bounded concurrency, skip days the lake has) → topic → lake sink
    /// (drain once). The embedded broker starts only once a snapshot is ready to publish, and
    /// lives only for this step.
    /// </summary>
    private static string Snapshots(int count) => count == 1 ? "1 snapshot" : $"{count} snapshots";

    private static async Task<(int Published, int Landed, int Skipped)> FetchRatesAsync(IObjectStore lake, IRatesSource source,
        DateOnly first, DateOnly last, RunOptions options, Action<string> log, IProgress<PhaseProgress>? progress, CancellationToken cancellationToken)
    {
        var kafka = options.Kafka;
        EmbeddedBroker? broker = null;
        try
        {
            var produced = await ProduceJob.RunAsync(new ProduceOptions
            {
                From = first, To = last, Lake = options.Lake, Force = options.Force, Concurrency = options.FetchConcurrency, Clock = options.Clock,
            }, source, () =>
            {
                if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
                {
                    broker = new EmbeddedBroker();
                    kafka = kafka with { BootstrapServers = broker.BootstrapServers };
                    log($"embedded Kafka broker at {broker.BootstrapServers} (set KAFKA_BOOTSTRAP_SERVERS to use a cluster)");
                }
                return kafka;
            }, _ => { }, progress, cancellationToken, planLog: note => log($"rates: {note}")).ConfigureAwait(false);
            if (produced.Published == 0)
                return (0, 0, produced.Skipped);
            log($"rates: {Snapshots(produced.Published)} published to {kafka.Topic}");

            // A group of its own: on a shared cluster the run must not take (and commit) messages
            // that belong to the deployed lake sink's group.
            kafka = kafka with { GroupId = $"fxengine-run-{Guid.NewGuid():N}" };
            log($"rates: landing them in the lake (lake sink, consumer group {kafka.GroupId})");
            var landed = await LakeSinkJob.RunAsync(kafka, lake, once: true, _ => { }, cancellationToken).ConfigureAwait(false);
            if (landed.DeadLettered > 0)
                log($"rates: {landed.DeadLettered} messages went to {kafka.DeadLetter}");
            // The run's group reads the topic from its start, so it sees at least what was just
            // published; fewer means the broker lost acknowledged messages (the embedded broker
            // drops the oldest beyond 5 MiB per partition).
            var seen = landed.Written + landed.DeadLettered + landed.Kept;
            if (seen < produced.Published)
                throw new FxException($"{kafka.Topic}: {produced.Published} snapshots were published but only {seen} came back from the topic" +
                    (broker is not null ? "; the embedded broker drops the oldest messages past 5 MiB per partition: use a Kafka cluster (KAFKA_BOOTSTRAP_SERVERS) or a shorter --from/--to range" : "; check the topic's retention"));
            return (produced.Published, landed.Written, produced.Skipped);
        }
        finally
        {
            broker?.Dispose();
        }
    }

    private static async Task<bool> HasInputAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (InputDiscovery.FormatOf(info.Key) is not null)
                return true;
        return false;
    }
}
