using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>
/// Where the rates topic lives and how to reach it. Any librdkafka setting passes through
/// <see cref="Client"/> (SASL/SSL for MSK, timeouts, ...), so no code changes per cluster.
/// </summary>
public sealed class KafkaSettings
{
    /// <summary>The environment prefix of pass-through settings: FXENGINE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 sets sasl.mechanism.</summary>
    public const string EnvironmentPrefix = "FXENGINE_KAFKA_";

    /// <summary>Kafka:BootstrapServers, or KAFKA_BOOTSTRAP_SERVERS. Empty: use the embedded dev broker.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Kafka:Topic. Default exchange-rates-topic.</summary>
    public string Topic { get; set; } = "exchange-rates-topic";

    /// <summary>Dead-letter topic. Default: the topic name + ".dlq".</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Consumer group of the lake sink. Default fxengine-lake-sink.</summary>
    public string GroupId { get; set; } = "fxengine-lake-sink";

    /// <summary>Extra librdkafka settings (name → value), applied last.</summary>
    public Dictionary<string, string> Client { get; } = new(StringComparer.Ordinal);

    public string DeadLetter => string.IsNullOrWhiteSpace(DeadLetterTopic) ? $"{Topic}.dlq" : DeadLetterTopic;

    /// <summary>Settings from KAFKA_BOOTSTRAP_SERVERS and FXENGINE_KAFKA_* variables.</summary>
    public static KafkaSettings FromEnvironment()
    {
        var settings = new KafkaSettings { BootstrapServers = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS") ?? "" };
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && name.Length > EnvironmentPrefix.Length)
                settings.Client[name[EnvironmentPrefix.Length..].ToLowerInvariant().Replace('_', '.')] = (string)variable.Value!;
        }
        return settings;
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            throw new FxException("Kafka:BootstrapServers is empty: set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers, or start `fxengine broker` and use the address it prints");
        if (string.IsNullOrWhiteSpace(Topic))
            throw new FxException("Kafka:Topic is empty: name the rates topic (default exchange-rates-topic)");
    }

    /// <summary>Safe producer defaults: idempotent, acks=all, so a retry never duplicates or loses a snapshot.</summary>
    public ProducerConfig Producer()
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
    public ConsumerConfig Consumer()
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
