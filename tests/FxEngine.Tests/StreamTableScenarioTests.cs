using Confluent.Kafka;
using System.Text.Json.Nodes;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Storage;
using FxEngine.Streaming;
using FxEngine.Table;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The stream and batch runs feed one table: each keeps the other's files and state; one
/// stream per table; a flush killed after its commit point is finished by the next start, and
/// one killed before it leaves nothing behind.
/// </summary>
public class StreamTableScenarioTests
{
    private static readonly DateOnly From = D("2024-08-01");

    [Fact]
    public async Task StreamAndBatchRuns_FeedOneTable_WithoutRemovingEachOthersRows()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var rateDays = Enumerable.Range(0, 5).Select(From.AddDays).ToList();
        StreamTest.ProduceRates(producer, "exchange-rates-topic", rateDays);
        WriteSyntheticRates($"{lake}/exchange_rates", rateDays[0], rateDays[^1]);
        var stream = new StreamOptions { Lake = lake, Once = true };
        var batch = new NormalizeOptions { Rates = $"{lake}/exchange_rates", Input = $"{lake}/raw", Output = $"{lake}/processed_data", Rejects = $"{lake}/rejected_data" };
        var streamed = StreamTest.Transactions(2_000, From, 5, seed: 1, prefix: "s");
        var batched = StreamTest.Transactions(2_000, From, 5, seed: 2, prefix: "b");
        var later = StreamTest.Transactions(500, From, 5, seed: 3, prefix: "l");

        StreamTest.Produce(producer, "transactions", streamed);
        await StreamJob.RunAsync(stream, kafka, _ => { }, null, default);
        Directory.CreateDirectory($"{lake}/raw");
        File.WriteAllLines($"{lake}/raw/day.csv", batched.Select(r => r.CsvLine).Prepend(StreamTest.CsvHeader));
        await NormalizeJob.RunAsync(batch);
        StreamTest.Produce(producer, "transactions", later);
        await StreamJob.RunAsync(stream, kafka, _ => { }, null, default);
        await NormalizeJob.RunAsync(batch with { Full = true });

        var ids = StreamTest.LakeRows(lake).Select(r => r.Split('|')[0]).ToList();
        Assert.Equal(streamed.Count + batched.Count + later.Count, ids.Count);
        Assert.Equal(streamed.Concat(batched).Concat(later).Select(r => r.Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        var state = JsonNode.Parse(File.ReadAllText($"{lake}/processed_data/_fxengine/state.json"))!;
        Assert.Equal(streamed.Count + later.Count, StreamTest.Committed(lake));
        Assert.NotEmpty(state["files"]!.AsObject());
    }

    [Fact]
    public async Task SecondStreamOnOneTable_IsRefused_NamingTheFirst()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        var options = new StreamOptions { Lake = dir.Sub("lake") };
        using var stop = new CancellationTokenSource();
        var log = KafkaTest.Log();
        var first = StreamJob.RunAsync(options, kafka, log.Enqueue, null, stop.Token);
        await StreamTest.WaitUntilAsync(() => log.Any(l => l.StartsWith("rates:", StringComparison.Ordinal)) || first.IsCompleted, TimeSpan.FromMinutes(1), () => string.Join(" | ", log));

        var second = await Assert.ThrowsAsync<FxException>(() => StreamJob.RunAsync(options with { Group = "other" }, kafka, _ => { }, null, default));

        Assert.Contains("is being written by run stream-", second.Message, StringComparison.Ordinal);
        stop.Cancel();
        await first;
    }

    [Fact]
    public async Task FlushKilledAfterItsCommitPoint_IsFinishedOnStart_AndStagingBeforeItIsSwept()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [From, From.AddDays(1)]);
        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(3_000, From, 2, seed: 4));
        var options = new StreamOptions { Lake = lake, Once = true };
        await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        var committed = StreamTest.LakeRows(lake);

        // As a kill between the state write and the moves leaves it: the files staged, the state naming them.
        var statePath = $"{lake}/processed_data/_fxengine/state.json";
        var state = JsonNode.Parse(File.ReadAllText(statePath))!;
        var publishing = new JsonObject { ["flush"] = "f1", ["output"] = new JsonObject(), ["rejects"] = new JsonObject() };
        foreach (var (location, kind) in new[] { ("processed_data", "output"), ("rejected_data", "rejects") })
            foreach (var file in Directory.GetFiles($"{lake}/{location}", "stream-*.parquet", SearchOption.AllDirectories))
            {
                var final = Path.GetRelativePath($"{lake}/{location}", file).Replace('\\', '/');
                var staged = $"{StreamTable.StagingRoot}f1/{final}";
                Directory.CreateDirectory(Path.GetDirectoryName($"{lake}/{location}/{staged}")!);
                File.Move(file, $"{lake}/{location}/{staged}");
                publishing[kind]!.AsObject()[staged] = final;
            }
        state["stream"]!["publishing"] = publishing;
        File.WriteAllText(statePath, state.ToJsonString());
        // And a flush killed before its commit point: staged, never named by the state.
        Directory.CreateDirectory($"{lake}/processed_data/{StreamTable.StagingRoot}f2/txn_date=2024-08-01");
        File.Copy(Directory.GetFiles($"{lake}/processed_data/{StreamTable.StagingRoot}f1", "*.parquet", SearchOption.AllDirectories)[0],
            $"{lake}/processed_data/{StreamTable.StagingRoot}f2/txn_date=2024-08-01/stream-f2.parquet");
        Assert.NotEqual(committed.Count, StreamTest.LakeRows(lake).Count);

        var rerun = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);

        Assert.Equal(0, rerun.RowsIn);
        Assert.Equal(committed, StreamTest.LakeRows(lake));
        Assert.DoesNotContain(Directory.GetFiles(lake, "*.parquet", SearchOption.AllDirectories), f => f.Contains("_fxengine", StringComparison.Ordinal));
        Assert.Null(JsonNode.Parse(File.ReadAllText(statePath))!["stream"]!["publishing"]);
    }
}

/// <summary>
/// --output-topic: every converted row on the topic after its lake commit, keyed like its input,
/// with the lake's exact amounts; rows whose delivery a stop left unconfirmed are published again.
/// </summary>
public class StreamOutputTopicScenarioTests
{
    [Fact]
    public async Task OutputTopic_CarriesEachConvertedRow_AndRepublishesUnconfirmedOnesAfterAStop()
    {
        using var scenario = new StreamScenario();
        var (broker, _, lake, producer, kafka) = scenario;
        var rows = ProduceOneDay(producer, 3_000);

        var result = await StreamJob.RunAsync(Options(lake), kafka, _ => { }, null, default);

        var published = KafkaTest.ReadAll(broker, "transactions-sgd", (int)result.RowsOut);
        Assert.Equal(result.RowsOut, published.Count);
        var lakeAmounts = Query($"SELECT txn_id, CAST(amount_sgd AS VARCHAR) AS a FROM read_parquet('{Glob($"{lake}/processed_data")}')")
            .ToDictionary(r => (string)r["txn_id"]!, r => (string)r["a"]!);
        foreach (var message in published)
        {
            using var json = System.Text.Json.JsonDocument.Parse(message.Message.Value);
            var id = json.RootElement.GetProperty("txn_id").GetString()!;
            Assert.Equal(id, message.Message.Key);
            Assert.Equal(lakeAmounts[id], json.RootElement.GetProperty("amount_sgd").GetRawText());
            Assert.Equal("exact", json.RootElement.GetProperty("fx_status").GetString());
        }
        Assert.Empty(Unpublished(lake).AsObject());

        LeavePartitionZeroUnconfirmed(lake);
        var log = KafkaTest.Log();

        var rerun = await StreamJob.RunAsync(Options(lake), kafka, log.Enqueue, null, default);

        Assert.Equal(0, rerun.RowsIn);
        var again = KafkaTest.ReadAll(broker, "transactions", rows.Count).Count(m => m.Partition.Value == 0 && lakeAmounts.ContainsKey(m.Message.Key!));
        Assert.Contains(log, l => l.Contains($"published again {again:N0} row(s)", StringComparison.Ordinal));
        Assert.Equal(published.Count + again, KafkaTest.ReadAll(broker, "transactions-sgd", published.Count + again).Count);
        Assert.Equal(rows.Count, StreamTest.LakeRows(lake).Count); // the lake is not written again
    }

    [Fact]
    public async Task OutputTopic_FlushLargerThanTheProducersQueue_EveryRowPublished()
    {
        using var scenario = new StreamScenario();
        var (broker, _, lake, producer, kafka) = scenario;
        ProduceOneDay(producer, 3_000);
        var small = kafka with { Client = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "1000", ["linger.ms"] = "200" } };

        var result = await StreamJob.RunAsync(Options(lake), small, _ => { }, null, default);

        Assert.True(result.RowsOut > 1_000);
        Assert.Equal(result.RowsOut, KafkaTest.ReadAll(broker, "transactions-sgd", (int)result.RowsOut).Count);
        Assert.Empty(Unpublished(lake).AsObject());
    }

    [Fact]
    public async Task OutputTopic_UnconfirmedRowsWhileTheRatesTopicIsUnread_KeptForTheNextStart()
    {
        using var scenario = new StreamScenario();
        var (broker, _, lake, producer, kafka) = scenario;
        var rows = ProduceOneDay(producer, 500);
        var options = Options(lake);
        var result = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        var published = KafkaTest.ReadAll(broker, "transactions-sgd", (int)result.RowsOut).Count;
        var next = LeavePartitionZeroUnconfirmed(lake);

        // A start that cannot read its rates topic cannot convert them again: it keeps them named.
        var log = KafkaTest.Log();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4)))
            await StreamJob.RunAsync(options with { Once = false, RatesTopic = "rates-not-there-yet" }, kafka, log.Enqueue, null, stop.Token);
        Assert.Contains(log, l => l.Contains("wait to be published again until the whole rates topic is read", StringComparison.Ordinal));
        Assert.Equal($"[[0,{next}]]", Unpublished(lake)["0"]!.ToJsonString());

        var rerun = await StreamJob.RunAsync(options, kafka, log.Enqueue, null, default);

        Assert.Equal(0, rerun.RowsIn);
        var converted = Query($"SELECT txn_id FROM read_parquet('{Glob($"{lake}/processed_data")}')").Select(r => (string)r["txn_id"]!).ToHashSet();
        var again = KafkaTest.ReadAll(broker, "transactions", rows.Count).Count(m => m.Partition.Value == 0 && converted.Contains(m.Message.Key!));
        Assert.True(again > 0);
        Assert.Contains(log, l => l.Contains($"published again {again:N0} row(s)", StringComparison.Ordinal));
        Assert.Equal(published + again, KafkaTest.ReadAll(broker, "transactions-sgd", published + again).Count);
        Assert.Empty(Unpublished(lake).AsObject());
    }

    private static StreamOptions Options(string lake) => new() { Lake = lake, Once = true, OutputTopic = "transactions-sgd" };

    /// <summary>One day's snapshot and <paramref name="count"/> transactions of that day on their topics.</summary>
    private static List<StreamTransaction> ProduceOneDay(IProducer<byte[]?, byte[]?> producer, int count)
    {
        var day = D("2024-10-07");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        var rows = StreamTest.Transactions(count, day, 1, seed: 9);
        StreamTest.Produce(producer, "transactions", rows);
        return rows;
    }

    private static string StatePath(string lake) => $"{lake}/processed_data/_fxengine/state.json";

    private static JsonNode Unpublished(string lake) => JsonNode.Parse(File.ReadAllText(StatePath(lake)))!["stream"]!["unpublished"]!;

    /// <summary>As a stop between a commit and the delivery leaves it: partition 0's rows (up to the returned offset) unconfirmed.</summary>
    private static long LeavePartitionZeroUnconfirmed(string lake)
    {
        var state = JsonNode.Parse(File.ReadAllText(StatePath(lake)))!;
        var next = (long)state["stream"]!["offsets"]!["0"]!["next"]!;
        state["stream"]!["unpublished"] = new JsonObject { ["0"] = new JsonArray(new JsonArray(0, next)) };
        File.WriteAllText(StatePath(lake), state.ToJsonString());
        return next;
    }
}

/// <summary>What the stream must refuse or leave alone rather than lose rows: a topic that no longer fits the state, a rates topic missing old snapshots, a commit that fails halfway.</summary>
public class StreamSafetyScenarioTests
{
    private static readonly DateOnly From = D("2024-06-01");

    [Fact]
    public async Task TopicRecreated_BelowTheStatesOffsets_IsRefusedNotSkipped()
    {
        using var dir = new TempDir();
        var lake = dir.Sub("lake");
        var options = new StreamOptions { Lake = lake, Once = true };
        using (var broker = new EmbeddedBroker())
        {
            using var producer = StreamTest.Producer(broker);
            StreamTest.ProduceRates(producer, "exchange-rates-topic", [From]);
            StreamTest.Produce(producer, "transactions", StreamTest.Transactions(400, From, 1, seed: 1));
            await StreamJob.RunAsync(options, new KafkaSettings { BootstrapServers = broker.BootstrapServers }, _ => { }, null, default);
        }
        using var fresh = new EmbeddedBroker();
        using (var producer = StreamTest.Producer(fresh))
        {
            StreamTest.ProduceRates(producer, "exchange-rates-topic", [From]);
            StreamTest.Produce(producer, "transactions", StreamTest.Transactions(100, From, 1, seed: 2, prefix: "n"));
        }

        var error = await Assert.ThrowsAsync<FxException>(() => StreamJob.RunAsync(options, new KafkaSettings { BootstrapServers = fresh.BootstrapServers }, _ => { }, null, default));

        Assert.Contains("the topic was recreated or is another cluster's", error.Message, StringComparison.Ordinal);
        Assert.Equal(400, StreamTest.LakeRows(lake).Count);
    }

    [Fact]
    public async Task RatesTopicMissingOldSnapshots_DoesNotRestateTheirDays()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var days = Enumerable.Range(0, 10).Select(From.AddDays).ToList();
        StreamTest.ProduceRates(producer, "exchange-rates-topic", days);
        StreamTest.ProduceRates(producer, "rates-retained", days.TakeLast(3)); // as retention would leave it
        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(1_000, From, 10, seed: 3));
        await StreamJob.RunAsync(new StreamOptions { Lake = lake, Once = true }, kafka, _ => { }, null, default);
        var before = StreamTest.LakeRows(lake);
        var log = KafkaTest.Log();

        await StreamJob.RunAsync(new StreamOptions { Lake = lake, Once = true, RatesTopic = "rates-retained" }, kafka, log.Enqueue, null, default);

        Assert.Equal(before, StreamTest.LakeRows(lake));
        Assert.DoesNotContain(log, l => l.Contains(": restated", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("2024-06-01: its streamed rows were converted with snapshots the rates topic no longer holds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommitFailingAfterItsStateWrite_KeepsTheStaging_AndTheNextStartFinishesIt()
    {
        using var dir = new TempDir();
        var output = new FailingMoves(new LocalObjectStore(dir.Sub("lake/processed_data")));
        var rejects = new LocalObjectStore(dir.Sub("lake/rejected_data"));
        var table = new StreamTable(output, rejects, null);
        var staged = await StageOneFileAsync(table, dir);
        var committed = new StreamState { Topic = "transactions", Offsets = new() { [0] = new PartitionOffsets { Next = 10 } } };

        var failure = await Assert.ThrowsAsync<FxException>(() => table.CommitAsync(staged.Flush, _ => Task.FromResult(staged), _ => committed, default));
        Assert.Contains("No space left on device", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the next start finishes the commit", failure.Message, StringComparison.Ordinal);

        var recovered = await new StreamTable(new LocalObjectStore(dir.Sub("lake/processed_data")), rejects, null).RecoverAsync(default);
        Assert.Equal(10, recovered!.Stream!.Offsets[0].Next);
        Assert.Null(recovered.Stream.Publishing);
        Assert.Single(Directory.GetFiles(dir.Sub("lake/processed_data/txn_date=2024-06-01"), "stream-*.parquet"));
    }

    private static async Task<StreamFlushFiles> StageOneFileAsync(StreamTable table, TempDir dir)
    {
        WriteSyntheticRates(dir.Sub("rates"), From, From);
        var rates = await FxEngine.Transforms.RateTable.LoadAsync(dir.Sub("rates"), "SGD", 7, default);
        var batch = new FxEngine.Data.ColumnBatch("test", [Strings("txn_id", "a"), Strings("txn_date", "2024-06-01"), Strings("currency", "EUR"), Strings("amount", "10")], untyped: true);
        var normalized = new FxEngine.Transforms.BatchNormalizer(rates, new FxEngine.Transforms.ColumnMapping()).Normalize(batch);
        return await table.StageAsync("f1", normalized, null, default);
    }

    /// <summary>A real folder whose moves fail, as a full disk or a flaky S3 would: the fault comes after the commit point.</summary>
    private sealed class FailingMoves(IObjectStore inner) : IObjectStore
    {
        public string Root => inner.Root;
        public string Describe(string key) => inner.Describe(key);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);
        public Task<System.IO.Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);
        public Task<byte[]?> TryReadAllAsync(string key, CancellationToken cancellationToken = default) => inner.TryReadAllAsync(key, cancellationToken);
        public Task<IObjectUpload> CreateAsync(string key, CancellationToken cancellationToken = default, bool staged = false) => inner.CreateAsync(key, cancellationToken, staged);
        public Task WriteAllAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.WriteAllAsync(key, content, cancellationToken);
        // As the local store reports a refused move: its own error, naming both files, around the disk's.
        public Task MoveAsync(string fromKey, string toKey, CancellationToken cancellationToken = default) =>
            throw new FxException($"{inner.Describe(toKey)}: moving {inner.Describe(fromKey)} there failed: No space left on device", new IOException("No space left on device"));
        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
        public Task FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        public Task FlushAllAsync(CancellationToken cancellationToken = default) => inner.FlushAllAsync(cancellationToken);
        public Task<FxEngine.Storage.Locks.LockAttempt> TryLockAsync(FxEngine.Storage.Locks.LockHolder holder, CancellationToken cancellationToken = default) => inner.TryLockAsync(holder, cancellationToken);
        public Task SweepAsync(CancellationToken cancellationToken = default) => inner.SweepAsync(cancellationToken);
    }
}

/// <summary>A quiet streamed partition with many small files is compacted into one, its rows unchanged.</summary>
public class StreamCompactionScenarioTests
{
    [Fact]
    public async Task QuietPartitionWithManyFiles_IsCompactedIntoOne_RowsUnchanged()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var day = D("2024-03-04");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        var options = new StreamOptions { Lake = lake, Once = true, CompactAfterFiles = 2 };
        var all = new List<StreamTransaction>();
        for (var run = 0; run < 3; run++)
        {
            var rows = StreamTest.Transactions(2_000, day, 1, seed: 30 + run, prefix: $"r{run}-");
            all.AddRange(rows);
            StreamTest.Produce(producer, "transactions", rows);
            await StreamJob.RunAsync(options with { CompactAfterFiles = 100 }, kafka, _ => { }, null, default);
        }
        var before = StreamTest.LakeRows(lake);
        Assert.Equal(3, Directory.GetFiles($"{lake}/processed_data/txn_date=2024-03-04").Length);
        var log = KafkaTest.Log();

        await StreamJob.RunAsync(options, kafka, log.Enqueue, null, default);

        Assert.Contains(log, l => l.StartsWith("2024-03-04: compacted 6 streamed file(s)", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles($"{lake}/processed_data/txn_date=2024-03-04"));
        Assert.Equal(before, StreamTest.LakeRows(lake));
        Assert.Equal(await StreamTest.BatchReferenceAsync(dir, all, [day]), StreamTest.LakeRows(lake));
    }
}
