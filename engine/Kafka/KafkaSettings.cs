using System.Collections.Frozen;
using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>
/// Where the rates topic lives and how to reach it. Any librdkafka setting passes through
/// <see cref="Client"/> (SASL/SSL for MSK, timeouts, ...), so no code changes per cluster.
/// Immutable: a job derives what it needs (an embedded broker's address, a consumer group of
/// its own) with <c>with</c>, never changing its caller's settings. The engine reads no
/// environment variables; the CLI fills these from its options and KAFKA_BOOTSTRAP_SERVERS.
/// </summary>
public sealed record KafkaSettings
{
    /// <summary>--bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS. Empty: <c>run</c> starts the embedded dev broker.</summary>
    public string BootstrapServers { get; init; } = "";

    /// <summary>--topic. Default exchange-rates-topic.</summary>
    public string Topic { get; init; } = "exchange-rates-topic";

    /// <summary>Dead-letter topic. Default: the topic name + ".dlq".</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>Consumer group of the lake sink (--group). Default fxengine-lake-sink.</summary>
    public string GroupId { get; init; } = "fxengine-lake-sink";

    /// <summary>Extra librdkafka settings (name → value, e.g. sasl.mechanism), applied last.</summary>
    public IReadOnlyDictionary<string, string> Client { get; init; } = FrozenDictionary<string, string>.Empty;

    public string DeadLetter => string.IsNullOrWhiteSpace(DeadLetterTopic) ? $"{Topic}.dlq" : DeadLetterTopic;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            throw FxException.InvalidOption("no Kafka bootstrap servers: set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS, " +
                "or start `fxengine broker` and use the address it prints");
        if (string.IsNullOrWhiteSpace(Topic))
            throw FxException.InvalidOption("--topic is empty: name the rates topic (default exchange-rates-topic)");
    }

    /// <summary>Safe producer defaults: idempotent, acks=all, so a retry never duplicates or loses a snapshot.</summary>
    internal ProducerConfig Producer()
    {
        var config = new ProducerConfig(Base())
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
        };
        Apply(config);
        return config;
    }

    /// <summary>Manual commits after the object is written; a new group starts at the earliest snapshot.</summary>
    internal ConsumerConfig Consumer()
    {
        var config = new ConsumerConfig(Base())
        {
            GroupId = GroupId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        };
        Apply(config);
        return config;
    }

    private Dictionary<string, string> Base() => new(StringComparer.Ordinal) { ["bootstrap.servers"] = BootstrapServers };

    private void Apply(ClientConfig config)
    {
        foreach (var (name, value) in Client)
            config.Set(name, value);
    }
}
