using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>
/// A Kafka-protocol dev broker inside this process: librdkafka's mock cluster, started by a
/// client created with <c>test.mock.num.brokers</c>. It lives as long as this object. Any
/// client, in this process or another, reaches it at <see cref="BootstrapServers"/>. It
/// supports produce (idempotent too), fetch, consumer groups and offset commits, and creates
/// topics on first use (4 partitions); nothing is persisted.
/// </summary>
public sealed class EmbeddedBroker : IDisposable
{
    private readonly IProducer<Null, Null> _owner;

    public EmbeddedBroker(int brokers = 1)
    {
        var config = new ProducerConfig();
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Warnings and errors only: librdkafka announces every mock cluster with a notice (level 5).
        config.Set("log_level", "4");
        _owner = new ProducerBuilder<Null, Null>(config).Build();
        using var admin = new DependentAdminClientBuilder(_owner.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public string BootstrapServers { get; }

    public void Dispose() => _owner.Dispose();
}
