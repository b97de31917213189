using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>Where a message is, as every log line and error names it: <c>topic[partition]@offset</c>.</summary>
internal static class MessageOrigin
{
    public static string Of(string topic, int partition, long offset) => $"{topic}[{partition}]@{offset}";

    public static string Of(ConsumeResult<byte[]?, byte[]?> result) => Of(result.Topic, result.Partition.Value, result.Offset.Value);

    /// <summary>
    /// Where a consume failed: the message's place when librdkafka reports it (an offset out of
    /// range, a corrupt batch), otherwise the topic.
    /// </summary>
    public static string Of(ConsumeException failure, string topic) =>
        failure.ConsumerRecord?.TopicPartitionOffset is { } at && at.Partition != Partition.Any
            ? at.Offset.IsSpecial ? $"{at.Topic ?? topic}[{at.Partition.Value}]" : Of(at.Topic ?? topic, at.Partition.Value, at.Offset.Value)
            : topic;
}
