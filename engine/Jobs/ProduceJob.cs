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
    /// <param name="planLog">Where a backfill's decisions (days skipped, refetched, not yet available) go; default <paramref name="log"/>.</param>
    internal static async Task<ProduceResult> RunAsync(ProduceOptions options, IRatesSource source, Func<KafkaSettings> connect, Action<string> log,
        IProgress<PhaseProgress>? progress, CancellationToken cancellationToken, Action<string>? planLog = null)
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
                        : await BackfillAsync(options, source, publisher, log, planLog ?? log, progress, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Snapshots of a backfill awaiting their delivery at once (a year is a few MiB).</summary>
    private const int PublishWindow = 64;

    private static async Task<ProduceResult> BackfillAsync(ProduceOptions options, IRatesSource source, Lazy<KafkaRatesPublisher> publisher, Action<string> log,
        Action<string> planLog, IProgress<PhaseProgress>? progress, CancellationToken cancellationToken)
    {
        var now = options.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var landed = options.Lake is null || options.Force
            ? new Dictionary<DateOnly, LandedCopy>()
            : await LandedAsync(ObjectStore.Open(options.Lake), options.FirstDay!.Value, options.LastDay!.Value, now, cancellationToken).ConfigureAwait(false);
        var plan = PlanBackfill(options.FirstDay!.Value, options.LastDay!.Value, landed, now, options.Force);
        foreach (var note in plan.Notes)
            planLog(note);
        if (plan.Skipped.Count > 0)
            planLog($"{plan.Skipped.Count} day(s) already in the lake, skipped ({Days(plan.Skipped)}; --force to fetch again)");
        var days = plan.Fetch;
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
            // Today has no closing snapshot yet: its latest stands in until the day is over.
            (day, token) => new ValueTask<RatesMessage>(day == today ? source.FetchLatestAsync(token) : source.FetchAsync(day, token)));
        pipeline.Sink<RatesMessage>("publish", fetched, 1, async (_, messages, token) =>
        {
            // Every delivery is confirmed, in order, but a window of them is in flight at once:
            // awaiting each before producing the next cost a broker round trip per day.
            var inFlight = new Queue<(RatesMessage Message, Task<Confluent.Kafka.TopicPartitionOffset> Delivery)>();
            async Task ConfirmOldestAsync()
            {
                var (message, delivery) = inFlight.Dequeue();
                var at = await delivery.ConfigureAwait(false);
                published++;
                log($"published {message.Key} from {source.Name} to {at}");
                progress?.Report(new PhaseProgress("fetching rates", published, days.Count, "days"));
            }
            await foreach (var message in messages.ConfigureAwait(false))
            {
                inFlight.Enqueue((message, publisher.Value.PublishAsync(message, token)));
                if (inFlight.Count >= PublishWindow)
                    await ConfirmOldestAsync().ConfigureAwait(false);
            }
            while (inFlight.Count > 0)
                await ConfirmOldestAsync().ConfigureAwait(false);
        });
        await pipeline.RunAsync().ConfigureAwait(false);
        return new ProduceResult(published, plan.Skipped.Count);
    }
    /// <summary>The days a backfill fetches, the days the lake's copies serve, and why a day the lake has is fetched again or a day is not fetched.</summary>
    internal sealed record BackfillPlan(IReadOnlyList<DateOnly> Fetch, IReadOnlyList<DateOnly> Skipped, IReadOnlyList<string> Notes);

    /// <summary>"2024-03-01", or "2024-03-01 to 2024-03-31" (first and last of a sorted list).</summary>
    private static string Days(IReadOnlyList<DateOnly> days) => Days(days[0], days[^1]);

    private static string Days(DateOnly first, DateOnly last) => first == last ? $"{first:yyyy-MM-dd}" : $"{first:yyyy-MM-dd} to {last:yyyy-MM-dd}";

    /// <summary>
    /// A day's copy in the lake: when it was written (null when the store does not say) and, for a
    /// closed day not known to be provisional by that, the time of the rates it holds (its
    /// snapshot's timestamp), or why it could not be read.
    /// </summary>
    internal sealed record LandedCopy(DateTimeOffset? Written)
    {
        public DateTimeOffset? RatesOf { get; init; }

        public string? Unreadable { get; init; }
    }

    /// <summary>
    /// Which days of <paramref name="from"/>..<paramref name="to"/> to fetch, given the lake's
    /// copies (<paramref name="landed"/>). A copy of a closed day is provisional, and fetched again
    /// from the historical endpoint, when it was written before the day ended (the provider's
    /// hourly latest) or when its rates, where read, are from before the day's last hour (a latest
    /// that landed late); a copy read that is not a snapshot is fetched again too, and the sink
    /// replaces it. Today's copy is fetched again once the provider may have published a newer one
    /// (a new UTC hour). Days after today have no snapshot yet.
    /// </summary>
    internal static BackfillPlan PlanBackfill(DateOnly from, DateOnly to, IReadOnlyDictionary<DateOnly, LandedCopy> landed,
        DateTimeOffset now, bool force)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var thisHour = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero);
        var fetch = new List<DateOnly>();
        var notes = new List<string>();
        var skipped = new List<DateOnly>();
        if (to > today)
            notes.Add($"{Days(from > today ? from : today.AddDays(1), to)}: after today (UTC), no snapshot exists yet: not fetched");
        for (var day = from; day <= to && day <= today; day = day.AddDays(1))
        {
            if (force || !landed.TryGetValue(day, out var copy))
            {
                fetch.Add(day);
                continue;
            }
            if (ReasonToFetch(day, copy, today, thisHour, DayEnd(day)) is { } reason)
            {
                fetch.Add(day);
                notes.Add($"{day:yyyy-MM-dd}: {reason}");
            }
            else
                skipped.Add(day);
        }
        return new BackfillPlan(fetch, skipped, notes);
    }

    private static DateTimeOffset DayEnd(DateOnly day) => new(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>
    /// Why the lake's copy of a day is fetched again, or null when it is kept (as it is when the
    /// store does not say when it was written: rather than spend a request on it).
    /// </summary>
    private static string? ReasonToFetch(DateOnly day, LandedCopy copy, DateOnly today, DateTimeOffset thisHour, DateTimeOffset dayEnd)
    {
        if (day == today)
            return copy.Written is { } at && at < thisHour
                ? $"today's copy in the lake was written at {Time(at, "HH:mm")} UTC, before this hour: fetching the latest"
                : null;
        if (copy.Written is { } written && written < dayEnd)
            return $"the lake's copy was written at {Time(written, "yyyy-MM-dd HH:mm")} UTC, before the day ended (provisional): fetching the day's closing snapshot";
        if (copy.RatesOf is { } rates && rates < dayEnd - ClosingHour)
            return $"the lake's copy holds the rates of {Time(rates, "yyyy-MM-dd HH:mm")} UTC, before the day's last hour (provisional: a latest that landed late): fetching the day's closing snapshot";
        if (copy.Unreadable is { } problem)
            return $"the lake's copy is not a valid snapshot ({problem}): fetching it again";
        return null;
    }

    /// <summary>
    /// A closed day's rates from its last hour are its closing ones: the provider publishes its
    /// historical rates as the day's last (hourly on most plans, so its 23:00 rates); a snapshot of
    /// that hour fetched as the latest holds them too, or rates minutes from them on a faster plan.
    /// </summary>
    private static readonly TimeSpan ClosingHour = TimeSpan.FromHours(1);

    private static string Time(DateTimeOffset at, string format) => at.UtcDateTime.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Copies read at once to learn their rates' time (small objects: one request each).</summary>
    private const int ConcurrentReads = 8;

    /// <summary>
    /// How long after a day closes its copy is checked: a latest fetched before midnight can land
    /// after it (a lagging sink), so until then a write time after the close does not make a copy
    /// final, and the copy is read. After it, copies are taken as final unread: a daily run reads
    /// yesterday's copy alone, and a day whose closing snapshot is older than its last hour (the
    /// provider's history has such days) is fetched again during that day at most, not on every run.
    /// </summary>
    private static readonly TimeSpan LateLanding = TimeSpan.FromDays(1);

    /// <summary>Whether a closed day's copy is read for the time of its rates (<see cref="LateLanding"/>); one written before its day ended is provisional by that alone.</summary>
    internal static bool ChecksRatesOf(DateOnly day, LandedCopy copy, DateTimeOffset now) =>
        now >= DayEnd(day) && now < DayEnd(day) + LateLanding && copy.Written >= DayEnd(day);

    /// <summary>
    /// The lake's copy of each day in <c>exchange_rates/</c>: when it was written, and for the days
    /// of <paramref name="from"/>..<paramref name="to"/> that closed within <see cref="LateLanding"/>,
    /// the time of the rates they hold, read from each copy.
    /// </summary>
    private static async Task<Dictionary<DateOnly, LandedCopy>> LandedAsync(IObjectStore lake, DateOnly from, DateOnly to, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var landed = new Dictionary<DateOnly, LandedCopy>();
        await foreach (var info in lake.ListAsync(LakeRatesWriter.Folder, cancellationToken).ConfigureAwait(false))
        {
            var name = info.Key[LakeRatesWriter.Folder.Length..];
            if (name.EndsWith(".json", StringComparison.Ordinal)
                && DateOnly.TryParseExact(name[..^".json".Length], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.None, out var day))
                landed[day] = new LandedCopy(info.LastModified);
        }
        var toRead = landed.Where(d => d.Key >= from && d.Key <= to && ChecksRatesOf(d.Key, d.Value, now)).ToList();
        var read = new System.Collections.Concurrent.ConcurrentDictionary<DateOnly, LandedCopy>();
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentReads, CancellationToken = cancellationToken },
            async (copy, token) => read[copy.Key] = await ReadRatesTimeAsync(lake, copy.Key, copy.Value, token).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var (day, copy) in read)
            landed[day] = copy;
        return landed;
    }

    private static async Task<LandedCopy> ReadRatesTimeAsync(IObjectStore lake, DateOnly day, LandedCopy copy, CancellationToken cancellationToken) =>
        await LakeRatesWriter.ReadLandedAsync(lake, day, cancellationToken).ConfigureAwait(false) switch
        {
            // Gone since the listing (replaced or removed by hand): the day is as good as missing.
            null => copy with { Unreadable = "it was removed while the lake was read" },
            { Snapshot: { } snapshot } => copy with { RatesOf = snapshot.Timestamp },
            { Problem: var problem } => copy with { Unreadable = problem },
        };
}
