using Confluent.Kafka;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;

namespace FxEngine.Sinks;

/// <summary>
/// Publishes rate snapshots to the rates topic with the key, value and headers of
/// <see cref="RatesWire"/>. Only valid snapshots reach the topic (a <see cref="RatesMessage"/>
/// holds its parsed body); each publish waits for the broker's acknowledgement (acks=all, idempotent).
/// </summary>
internal sealed class KafkaRatesPublisher : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;

    public KafkaRatesPublisher(KafkaSettings settings)
    {
        settings.Validate();
        _topic = settings.Topic;
        _producer = new ProducerBuilder<string, byte[]>(settings.Producer()).Build();
    }

    public async Task<TopicPartitionOffset> PublishAsync(RatesMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var delivery = await _producer.ProduceAsync(_topic, RatesWire.ToKafka(message), cancellationToken).ConfigureAwait(false);
            return delivery.TopicPartitionOffset;
        }
        catch (ProduceException<string, byte[]> ex)
        {
            throw new FxException($"topic {_topic}: snapshot {message.Key} was not delivered: {ex.Error.Reason}", ex);
        }
    }

    /// <summary>Waits for anything still in flight; called on shutdown.</summary>
    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(30));
        _producer.Dispose();
    }
}
