using System.Collections.Concurrent;
using Confluent.Kafka;
using FxEngine.Kafka;

namespace FxEngine.Tests;

/// <summary>Helpers for scenarios against librdkafka's mock cluster.</summary>
internal static class KafkaTest
{
    public static KafkaSettings Settings(EmbeddedBroker broker, string topic)
    {
        return new KafkaSettings
        {
            BootstrapServers = broker.BootstrapServers, Topic = topic, GroupId = $"group-{topic}",
            // Short group timeouts so a departed member's partitions move on within seconds.
            Client = new Dictionary<string, string> { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" },
        };
    }

    public static ConcurrentQueue<string> Log() => new();

    /// <summary>Every message of a topic, read by a throwaway consumer from the start.</summary>
    public static List<ConsumeResult<string?, byte[]?>> ReadAll(EmbeddedBroker broker, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<string?, byte[]?>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null && !result.IsPartitionEOF)
                results.Add(result);
        }
        consumer.Close();
        return results;
    }
}
