using System.Text;
using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Produce to the rates topic, then sink it into the lake, over the Kafka protocol (librdkafka's mock cluster).</summary>
public class KafkaProduceSinkScenarioTests
{
    [Fact]
    public async Task ProduceThenSink_Backfill_LandsEverySnapshotByteForByte()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-e2e");
        var log = KafkaTest.Log();

        var published = await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-05-01"), To = D("2024-05-05") },
            new SyntheticRatesSource(), kafka, log.Enqueue, default);
        Assert.Equal(new ProduceResult(5, 0), published);

        var messages = KafkaTest.ReadAll(broker, "rates-e2e", 5);
        Assert.Equal(["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"], messages.Select(m => m.Message.Key).Order());
        var first = messages.Single(m => m.Message.Key == "2024-05-01").Message;
        Assert.Equal("synthetic", RatesWire.Header(first.Headers, RatesWire.SourceHeader));
        Assert.Equal("application/json", RatesWire.Header(first.Headers, RatesWire.ContentTypeHeader));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", RatesWire.Header(first.Headers, RatesWire.FetchedAtHeader));

        var result = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(dir.Path), once: true, log.Enqueue, default);
        Assert.Equal(new LakeSinkResult(5, 0), result);
        for (var day = D("2024-05-01"); day <= D("2024-05-05"); day = day.AddDays(1))
            Assert.Equal(SyntheticRatesSource.Render(day), File.ReadAllBytes(dir.Sub($"exchange_rates/{day:yyyy-MM-dd}.json")));
    }

    [Fact]
    public async Task Produce_BackfillDeliveriesFail_FailsNamingASnapshotAndPublishesNothing()
    {
        // Deliveries are awaited in a window, not one by one: a failed one still stops the
        // backfill, naming its day, and nothing counts as published. Which day comes first is
        // the fetches' order (four at a time), not the calendar's.
        // No broker listens there: every delivery times out.
        var kafka = new KafkaSettings { BootstrapServers = "127.0.0.1:1", Topic = "rates-refused", Client = new Dictionary<string, string> { ["message.timeout.ms"] = "2000" } };
        var log = KafkaTest.Log();

        var error = await Assert.ThrowsAsync<FxException>(() => ProduceJob.RunAsync(new ProduceOptions { From = D("2024-05-01"), To = D("2024-05-20") },
            new SyntheticRatesSource(), kafka, log.Enqueue, default));

        Assert.Matches(@"^topic rates-refused: snapshot 2024-05-(0[1-9]|1\d|20) was not delivered: ", error.Message);
        Assert.DoesNotContain(log, line => line.StartsWith("published ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sink_Restart_ResumesFromCommittedOffsets()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-restart");
        var lake = ObjectStore.Open(dir.Path);
        var log = KafkaTest.Log();

        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-06-01"), To = D("2024-06-03") }, new SyntheticRatesSource(), kafka, log.Enqueue, default);
        Assert.Equal(3, (await LakeSinkJob.RunAsync(kafka, lake, true, log.Enqueue, default)).Written);

        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-06-04"), To = D("2024-06-05") }, new SyntheticRatesSource(), kafka, log.Enqueue, default);
        // A new consumer in the same group starts where the last one committed: only the two new snapshots.
        Assert.Equal(2, (await LakeSinkJob.RunAsync(kafka, lake, true, log.Enqueue, default)).Written);
        Assert.Equal(5, Directory.GetFiles(dir.Sub("exchange_rates"), "*.json").Length);
    }

    [Fact]
    public async Task Sink_PoisonMessages_GoToDeadLetterTopicAndGoodOnesLand()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-poison");
        using (var producer = new ProducerBuilder<string?, byte[]?>(kafka.Producer()).Build())
        {
            var good = SyntheticRatesSource.Render(D("2024-07-01"));
            await producer.ProduceAsync("rates-poison", new Message<string?, byte[]?> { Key = "yesterday", Value = good });
            await producer.ProduceAsync("rates-poison", new Message<string?, byte[]?> { Key = "2024-07-02", Value = good });
            await producer.ProduceAsync("rates-poison", new Message<string?, byte[]?> { Key = "2024-07-03", Value = Encoding.UTF8.GetBytes("{\"error\":true}") });
            await producer.ProduceAsync("rates-poison", new Message<string?, byte[]?> { Key = "2024-07-01", Value = good });
        }

        var result = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(dir.Path), true, KafkaTest.Log().Enqueue, default);
        Assert.Equal(new LakeSinkResult(1, 3), result);
        Assert.Equal(["2024-07-01.json"], Directory.GetFiles(dir.Sub("exchange_rates")).Select(Path.GetFileName));

        var dead = KafkaTest.ReadAll(broker, "rates-poison.dlq", 3).ToDictionary(m => m.Message.Key!);
        Assert.Equal("invalid_key", RatesWire.Header(dead["yesterday"].Message.Headers, RatesWire.DeadLetterReason));
        Assert.Equal("key is not a date (YYYY-MM-DD)", RatesWire.Header(dead["yesterday"].Message.Headers, RatesWire.DeadLetterDetail));
        Assert.Equal("date_mismatch", RatesWire.Header(dead["2024-07-02"].Message.Headers, RatesWire.DeadLetterReason));
        Assert.Equal("key 2024-07-02 disagrees with the body's timestamp date 2024-07-01",
            RatesWire.Header(dead["2024-07-02"].Message.Headers, RatesWire.DeadLetterDetail));
        Assert.Equal("invalid_snapshot", RatesWire.Header(dead["2024-07-03"].Message.Headers, RatesWire.DeadLetterReason));
        Assert.Equal("the body is an API error response, not a snapshot", RatesWire.Header(dead["2024-07-03"].Message.Headers, RatesWire.DeadLetterDetail));
        Assert.Equal("rates-poison", RatesWire.Header(dead["2024-07-03"].Message.Headers, RatesWire.DeadLetterTopic));
        Assert.NotNull(RatesWire.Header(dead["2024-07-03"].Message.Headers, RatesWire.DeadLetterOffset));
    }

    [Fact]
    public async Task Sink_OlderCopyOfADayArrivingLate_KeepsTheLaterOne_SameTimestampOtherRatesDeadLettered()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-order");
        static byte[] Body(long timestamp, string sgd) => Encoding.UTF8.GetBytes($"{{\"timestamp\":{timestamp},\"base\":\"USD\",\"rates\":{{\"USD\":1,\"SGD\":{sgd}}}}}");
        var closing = Body(1719874800, "1.35"); // 2024-07-01 23:00 UTC
        using (var producer = new ProducerBuilder<string?, byte[]?>(kafka.Producer()).Build())
            foreach (var body in new[] { closing, Body(1719842400, "1.31"), Body(1719874800, "1.36"), closing })
                await producer.ProduceAsync("rates-order", new Message<string?, byte[]?> { Key = "2024-07-01", Value = body });
        var log = KafkaTest.Log();

        var result = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(dir.Path), true, log.Enqueue, default);

        // The 14:00 provisional copy came after the closing one: the closing one stays.
        Assert.Equal(new LakeSinkResult(1, 1, 2), result);
        Assert.Equal(closing, File.ReadAllBytes(dir.Sub("exchange_rates/2024-07-01.json")));
        Assert.Contains(log, l => l.EndsWith("a later snapshot of the day (2024-07-01T23:00:00Z) than this one (2024-07-01T14:00:00Z)", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith("2024-07-01.json holds this snapshot already", StringComparison.Ordinal));
        var conflict = Assert.Single(KafkaTest.ReadAll(broker, "rates-order.dlq", 1));
        Assert.Equal("snapshot_conflict", RatesWire.Header(conflict.Message.Headers, RatesWire.DeadLetterReason));
        Assert.Contains("holds a different snapshot of 2024-07-01 with the same timestamp (1 rate(s): SGD 1.35 vs 1.36)",
            RatesWire.Header(conflict.Message.Headers, RatesWire.DeadLetterDetail));
    }

    [Fact]
    public async Task Sink_TwoConsumersInGroup_SharePartitionsAndLandEverything()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-shared");
        var lake = ObjectStore.Open(dir.Path);
        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-08-01"), To = D("2024-08-20") }, new SyntheticRatesSource(), kafka, _ => { }, default);

        var logs = new[] { KafkaTest.Log(), KafkaTest.Log() };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sinks = logs.Select(log => LakeSinkJob.RunAsync(kafka, lake, false, log.Enqueue, stop.Token)).ToArray();
        // Run until both members hold partitions and every snapshot has landed.
        while (!stop.IsCancellationRequested &&
               (Directory.Exists(dir.Sub("exchange_rates")) ? Directory.GetFiles(dir.Sub("exchange_rates")).Length : 0) < 20 ||
               !logs.All(log => LastAssignment(log).Count > 0))
            await Task.Delay(100);
        stop.Cancel();
        var results = await Task.WhenAll(sinks);

        Assert.Equal(20, Directory.GetFiles(dir.Sub("exchange_rates"), "*.json").Length);
        Assert.True(results.Sum(r => r.Written) >= 20);
        var first = LastAssignment(logs[0]);
        var second = LastAssignment(logs[1]);
        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        Assert.Empty(first.Intersect(second));
        Assert.Equal(4, first.Union(second).Count()); // the mock cluster's default partition count
    }

    private static List<string> LastAssignment(IEnumerable<string> log) =>
        log.LastOrDefault(line => line.StartsWith("assigned ", StringComparison.Ordinal)) is { } line
            ? line["assigned ".Length..].Split(", ", StringSplitOptions.RemoveEmptyEntries).ToList()
            : [];
}
