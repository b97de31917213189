using FxEngine.Kafka;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Storage;

namespace FxEngine.Jobs;

/// <summary>
/// Fetches snapshots (bounded concurrency) and publishes them to the rates topic, each
/// delivery confirmed before the next round; with --every it loops until cancelled and
/// flushes on the way out.
/// </summary>
public static class ProduceJob
{
    public static Task<ProduceResult> RunAsync(ProduceOptions options, IRatesSource source, KafkaSettings kafka, Action<string> log,
        CancellationToken cancellationToken, IProgress<PhaseProgress>? progress = null)
    {
        options.Validate();
        kafka.Validate();
        return RunAsync(options, source, () => kafka, log, progress, cancellationToken);
    }

    /// <param name="connect">
    /// Called once, when the first snapshot is ready to publish and not before: a local run
    /// starts its embedded broker there, so a run with nothing to publish starts none.
    /// </param>
    internal static async Task<ProduceResult> RunAsync(ProduceOptions options, IRatesSource source, Func<KafkaSettings> connect, Action<string> log,
        IProgress<PhaseProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var publisher = new Lazy<KafkaRatesPublisher>(() => new KafkaRatesPublisher(connect()));
        var published = 0;
        var skipped = 0;
        try
        {
            while (true)
            {
                try
                {
                    var round = options.PublishesLatest
                        ? await PublishLatestAsync(source, publisher, log, cancellationToken).ConfigureAwait(false)
                        : await BackfillAsync(options, source, publisher, log, progress, cancellationToken).ConfigureAwait(false);
                    published += round.Published;
                    skipped += round.Skipped;
                }
                catch (FxException ex) when (options.Every is not null)
                {
                    // A long-running producer outlives a bad round (API down, quota hit): say so and try again next time.
                    log($"this round failed: {ex.Message}");
                }
                if (options.Every is not { } every)
                    return new ProduceResult(published, skipped);
                log($"next fetch in {every}");
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && options.Every is not null)
        {
            log("stopping: flushing the producer");
            if (publisher.IsValueCreated)
                publisher.Value.Flush(TimeSpan.FromSeconds(30));
            return new ProduceResult(published, skipped);
        }
        finally
        {
            if (publisher.IsValueCreated)
                publisher.Value.Dispose();
        }
    }

    private static async Task<ProduceResult> PublishLatestAsync(IRatesSource source, Lazy<KafkaRatesPublisher> publisher, Action<string> log, CancellationToken cancellationToken)
    {
        var message = await source.FetchLatestAsync(cancellationToken).ConfigureAwait(false);
        var at = await publisher.Value.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        log($"published {message.Key} from {source.Name} to {at}");
        return new ProduceResult(1, 0);
    }

    private static async Task<ProduceResult> BackfillAsync(ProduceOptions options, IRatesSource source, Lazy<KafkaRatesPublisher> publisher, Action<string> log,
        IProgress<PhaseProgress>? progress, CancellationToken cancellationToken)
    {
        var lake = options.Lake is null ? null : ObjectStore.Open(options.Lake);
        var days = new List<DateOnly>();
        for (var day = options.FirstDay!.Value; day <= options.LastDay!.Value; day = day.AddDays(1))
        {
            if (!options.Force && lake is not null && await lake.ExistsAsync(LakeRatesWriter.KeyOf(day), cancellationToken).ConfigureAwait(false))
                log($"{day:yyyy-MM-dd}: already in the lake, skipped (--force to fetch again)");
            else
                days.Add(day);
        }

        var published = 0;
        if (days.Count > 0)
            progress?.Report(new PhaseProgress("fetching rates", 0, days.Count, "days"));
        using var pipeline = new Pipeline.Pipeline(cancellationToken);
        var dates = pipeline.Source<DateOnly>("dates", options.Concurrency, async (writer, token) =>
        {
            foreach (var day in days)
                await writer.WriteAsync(day, token).ConfigureAwait(false);
        });
        var fetched = pipeline.Transform<DateOnly, RatesMessage>("fetch", dates, options.Concurrency, options.Concurrency,
            (day, token) => new ValueTask<RatesMessage>(source.FetchAsync(day, token)));
        pipeline.Sink<RatesMessage>("publish", fetched, 1, async (_, messages, token) =>
        {
            await foreach (var message in messages.ConfigureAwait(false))
            {
                var at = await publisher.Value.PublishAsync(message, token).ConfigureAwait(false);
                published++;
                log($"published {message.Key} from {source.Name} to {at}");
                progress?.Report(new PhaseProgress("fetching rates", published, days.Count, "days"));
            }
        });
        await pipeline.RunAsync().ConfigureAwait(false);
        return new ProduceResult(published, options.LastDay!.Value.DayNumber - options.FirstDay!.Value.DayNumber + 1 - days.Count);
    }
}
