using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>A consume that librdkafka refuses names the partition and offset it was at, so an operator knows where to look.</summary>
public class SinkConsumeFailureScenarioTests
{
    [Fact]
    public async Task Sink_CommittedOffsetPastTheEnd_WithResetDisabled_FailsNamingPartitionAndOffset()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-out-of-range");
        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-10-01"), To = D("2024-10-02") }, new SyntheticRatesSource(), kafka, _ => { }, default);
        // The group's committed offset lies past the partition's end (as after a topic was recreated), and the operator chose
        // auto.offset.reset=error, to be told rather than skip or reread.
        using (var committer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = kafka.GroupId }).Build())
            committer.Commit(TopicPartitions.Of(committer.Handle, kafka.Topic).Select(p => new TopicPartitionOffset(kafka.Topic, p, 100)));
        var strict = kafka with { Client = new Dictionary<string, string>(kafka.Client) { ["auto.offset.reset"] = "error" } };

        var failure = await Assert.ThrowsAsync<FxException>(() => LakeSinkJob.RunAsync(strict, dir.Sub("lake"), once: true, _ => { }, default, TimeSpan.FromSeconds(30)));

        Assert.Matches(@"^rates-out-of-range\[\d+\]@100: consuming failed \(.+\); nothing past the last landed snapshot was committed", failure.Message);
        Assert.False(Directory.Exists(dir.Sub("lake/exchange_rates")));
    }
}

/// <summary>What librdkafka reports for a consume error of no partition: the topic alone, never a made-up place.</summary>
public class MessageOriginTests
{
    [Theory]
    [InlineData("rates", 0, -1001L, "subscribed")] // a missing topic: partition zero-filled, no offset
    [InlineData(null, 0, -1001L, "subscribed")] // the group's error: no topic either
    [InlineData("rates", 3, 100L, "rates[3]@100")]
    public void Of_ConsumeException_NamesAPlaceOnlyWithARealOffset(string? topic, int partition, long offset, string expected)
    {
        var record = new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset) };

        Assert.Equal(expected, MessageOrigin.Of(new ConsumeException(record, new Error(ErrorCode.UnknownTopicOrPart)), "subscribed"));
    }
}
