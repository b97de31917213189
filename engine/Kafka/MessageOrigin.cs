using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>Where a message is, as every log line and error names it: <c>topic[partition]@offset</c>.</summary>
internal static class MessageOrigin
{
    public static string Of(string topic, int partition, long offset) => $"{topic}[{partition}]@{offset}";

    public static string Of(ConsumeResult<byte[]?, byte[]?> result) => Of(result.Topic, result.Partition.Value, result.Offset.Value);

    /// <summary>
    /// Where a consume failed: the message's place when librdkafka reports one (an offset out of
    /// range, a corrupt batch), otherwise the topic. An error of no partition (a missing topic, the
    /// group's) comes with partition 0 and no offset, so only a real offset makes a place.
    /// </summary>
    public static string Of(ConsumeException failure, string topic) =>
        failure.ConsumerRecord?.TopicPartitionOffset is { Topic: { } at, Offset.Value: >= 0 } place
            ? Of(at, place.Partition.Value, place.Offset.Value)
            : topic;
}
