using System.Security.Cryptography;
using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A 2 MB bad message, twice the producers' default limit: the sink dead-letters it (cut to
/// size, the headers saying how and what the whole was) and lands the good message behind it.
/// </summary>
public class SinkLargePoisonScenarioTests
{
    [Fact]
    public async Task Sink_TwoMegabytePoison_DeadLetteredTruncatedAndNextMessageLands()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-big-poison");
        var poison = new byte[2 << 20];
        Random.Shared.NextBytes(poison);
        var producerConfig = kafka.Producer();
        producerConfig.MessageMaxBytes = 4 << 20; // whoever wrote it allowed large messages
        using (var producer = new ProducerBuilder<string?, byte[]?>(producerConfig).Build())
        {
            // One partition, so the good message is queued behind the poison.
            var partition = new TopicPartition("rates-big-poison", 0);
            await producer.ProduceAsync(partition, new Message<string?, byte[]?> { Key = "2024-09-01", Value = poison });
            await producer.ProduceAsync(partition, new Message<string?, byte[]?> { Key = "2024-09-02", Value = SyntheticRatesSource.Render(D("2024-09-02")) });
        }

        var result = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(dir.Path), true, KafkaTest.Log().Enqueue, default);

        Assert.Equal(new LakeSinkResult(1, 1), result);
        Assert.Equal(SyntheticRatesSource.Render(D("2024-09-02")), File.ReadAllBytes(dir.Sub("exchange_rates/2024-09-02.json")));
        var dead = Assert.Single(KafkaTest.ReadAll(broker, "rates-big-poison.dlq", 1)).Message;
        Assert.Equal(DeadLetters.MaxBodyBytes, dead.Value!.Length);
        Assert.Equal(poison[..DeadLetters.MaxBodyBytes], dead.Value);
        Assert.Equal("value", RatesWire.Header(dead.Headers, DeadLetters.TruncatedHeader));
        Assert.Equal((2 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), RatesWire.Header(dead.Headers, DeadLetters.OriginalSizeHeader + "-value"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(poison)), RatesWire.Header(dead.Headers, DeadLetters.Sha256Header + "-value"));
        Assert.NotNull(RatesWire.Header(dead.Headers, RatesWire.DeadLetterReason));
    }

    [Fact]
    public async Task Sink_PoisonWithLargeHeaders_DeadLetteredWithoutThemAndNextMessageLands()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-header-poison");
        var headers = new Headers();
        for (var i = 0; i < 30; i++)
            headers.Add($"h{i}", new byte[30_000]);
        var producerConfig = kafka.Producer();
        producerConfig.MessageMaxBytes = 4 << 20; // whoever wrote it allowed large messages
        // 900 KB of headers and a 200 KB body: each under the dead letter's own cuts, together over 1 MB.
        using (var producer = new ProducerBuilder<string?, byte[]?>(producerConfig).Build())
        {
            var partition = new TopicPartition("rates-header-poison", 0);
            await producer.ProduceAsync(partition, new Message<string?, byte[]?> { Key = "not a date", Value = new byte[200_000], Headers = headers });
            await producer.ProduceAsync(partition, new Message<string?, byte[]?> { Key = "2024-09-02", Value = SyntheticRatesSource.Render(D("2024-09-02")) });
        }

        var result = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(dir.Path), true, KafkaTest.Log().Enqueue, default);

        Assert.Equal(new LakeSinkResult(1, 1), result);
        var dead = Assert.Single(KafkaTest.ReadAll(broker, "rates-header-poison.dlq", 1)).Message;
        Assert.Equal("invalid_key", RatesWire.Header(dead.Headers, RatesWire.DeadLetterReason));
        Assert.Equal("headers", RatesWire.Header(dead.Headers, DeadLetters.TruncatedHeader));
        Assert.Equal("900080", RatesWire.Header(dead.Headers, DeadLetters.OriginalSizeHeader + "-headers"));
        Assert.Equal(2, dead.Headers.Count(h => h.Key.StartsWith('h')));
    }
}
