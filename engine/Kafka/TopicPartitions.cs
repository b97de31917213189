using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>A topic's partition numbers from the cluster's metadata (none while the topic does not exist).</summary>
internal static class TopicPartitions
{
    public static IReadOnlyList<int> Of(Handle handle, string topic)
    {
        using var admin = new DependentAdminClientBuilder(handle).Build();
        try
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.SingleOrDefault(t => t.Topic == topic);
            // Only an unknown topic has none; another error (a leader moving) still lists its partitions.
            return metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart ? [] : metadata.Partitions.Select(p => p.PartitionId).Order().ToList();
        }
        catch (KafkaException ex)
        {
            throw new FxException($"{topic}: cannot read the topic's partitions from the cluster ({ex.Error.Reason}); check --bootstrap-servers and that the brokers are up", ex);
        }
    }
}
