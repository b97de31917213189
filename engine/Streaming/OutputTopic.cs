using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using FxEngine.Data;
using FxEngine.Transforms;
using Parquet.Schema;

namespace FxEngine.Streaming;

/// <summary>
/// The optional output topic: each converted row as JSON (the input fields as the text they
/// came in as, then <c>fx_currency</c>, <c>amount_&lt;t&gt;</c> and <c>fx_rate</c> as exact JSON numbers,
/// <c>fx_rate_date</c>, <c>fx_status</c>), keyed by the input message's key, produced by an
/// idempotent producer after the flush holding it is committed to the lake. At least once: the
/// table state names the last flush's rows until they are delivered, and a restart publishes
/// them again (see <see cref="StreamRunner"/>).
/// </summary>
internal sealed class OutputTopic(IProducer<byte[]?, byte[]?> producer, string topic, StreamColumns columns, string amountColumn)
{
    /// <summary>The hidden column that carries each row's index in its flush through the normalizer.</summary>
    public const string RowColumn = "__fxengine_row";

    public string Topic => topic;

    /// <summary>The batch's rows numbered in <see cref="RowColumn"/>, so converted rows can be traced to their messages.</summary>
    public static Column Numbered(int rows) =>
        new RequiredColumn<int>(new DataField<int>(RowColumn, nullable: false), Enumerable.Range(0, rows).ToArray());

    /// <summary>
    /// The messages of a flush's converted rows, then <see cref="RowColumn"/> removed from every
    /// batch (output and rejects), so the files never see it.
    /// </summary>
    public List<Message<byte[]?, byte[]?>> Take(IReadOnlyList<StreamRow> rows, ref NormalizedBatch normalized)
    {
        var messages = new List<Message<byte[]?, byte[]?>>();
        foreach (var (_, batch) in normalized.Partitions)
        {
            var index = ((RequiredColumn<int>)batch.Find(RowColumn)!).Values;
            var currency = (CodeColumn)batch.Find(OutputSchema.CurrencyColumn)!;
            var amount = ((RequiredColumn<decimal>)batch.Find(amountColumn)!).Values;
            var rate = ((RequiredColumn<decimal>)batch.Find(OutputSchema.RateColumn)!).Values;
            var rateDate = ((RequiredColumn<DateOnly>)batch.Find(OutputSchema.RateDateColumn)!).Values;
            var status = (CodeColumn)batch.Find(OutputSchema.StatusColumn)!;
            for (var i = 0; i < batch.RowCount; i++)
            {
                var row = rows[index[i]];
                messages.Add(new Message<byte[]?, byte[]?>
                {
                    Key = row.Key,
                    Value = Json(row, currency.Text(i), amount[i], rate[i], rateDate[i], status.Text(i)),
                });
            }
        }
        normalized = normalized with
        {
            Partitions = normalized.Partitions.Select(p => (p.Date, Without(p.Rows))).ToList(),
            Rejects = normalized.Rejects.Select(p => (p.Date, Without(p.Rows))).ToList(),
        };
        return messages;
    }

    /// <summary>Produces the messages and waits until every one is acknowledged; throws naming the topic otherwise.</summary>
    public void Publish(List<Message<byte[]?, byte[]?>> messages, CancellationToken cancellationToken)
    {
        Error? failed = null;
        void Delivered(DeliveryReport<byte[]?, byte[]?> report)
        {
            if (report.Error.IsError)
                failed ??= report.Error;
        }
        foreach (var message in messages)
        {
            // A flush may hold more rows than the producer's queue (queue.buffering.max.messages):
            // when it is full, wait for deliveries to make room rather than fail.
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, Delivered);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Flush(TimeSpan.FromMilliseconds(100));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                catch (ProduceException<byte[]?, byte[]?> ex)
                {
                    throw Failed(ex.Error);
                }
            }
        }
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
            cancellationToken.ThrowIfCancellationRequested();
        if (failed is not null)
            throw Failed(failed);
    }

    private FxException Failed(Error error) =>
        new($"{topic}: producing converted rows failed ({error.Reason}); they are in the lake, and a restart publishes them again");

    /// <summary>
    /// Publishes again the rows at <paramref name="unpublished"/> (offset ranges by partition):
    /// read back from the transactions topic and converted with <paramref name="rates"/>. Returns
    /// how many converted rows it published.
    /// </summary>
    public int Republish(SortedDictionary<int, List<long[]>> unpublished, Kafka.KafkaSettings kafka, TransactionDecoder decoder, StreamBatches batches,
        RateTable rates, ColumnMapping mapping, CancellationToken cancellationToken)
    {
        var rows = new List<StreamRow>();
        using (var reader = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer()).Build())
        {
            reader.Assign(unpublished.Select(p => new TopicPartitionOffset(kafka.Topic, p.Key, p.Value[0][0])));
            var remaining = unpublished.ToDictionary(p => p.Key, p => p.Value[^1][1]);
            while (remaining.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                var result = reader.Consume(TimeSpan.FromSeconds(30))
                    ?? throw new FxException($"{kafka.Topic}: reading back the last flush's rows to publish them again timed out after 30 s; they are in the lake, and the next start tries again");
                var partition = result.Partition.Value;
                if (!remaining.TryGetValue(partition, out var until))
                    continue;
                if (result.IsPartitionEOF || result.Offset.Value + 1 >= until)
                    remaining.Remove(partition);
                if (!result.IsPartitionEOF && OffsetLedger.Contains(unpublished[partition], result.Offset.Value))
                    rows.Add(decoder.Decode(partition, result.Offset.Value, result.Message.Key, result.Message.Value, Environment.TickCount64));
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        var valid = rows.Where(r => r.Problem is null).ToList();
        NormalizedBatch normalized;
        using (var batch = batches.Transactions(valid, $"{kafka.Topic} republished"))
            normalized = new BatchNormalizer(rates, mapping).Normalize(batch);
        var messages = Take(valid, ref normalized);
        StreamBatches.Dispose(normalized);
        Publish(messages, cancellationToken);
        return messages.Count;
    }

    private byte[] Json(StreamRow row, string currency, decimal amount, decimal rate, DateOnly rateDate, string status)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var c = 0; c < columns.Names.Count; c++)
            {
                var value = c < row.Values.Length ? row.Values[c] : null;
                if (value is null)
                    json.WriteNull(columns.Names[c]);
                else
                    json.WriteString(columns.Names[c], value);
            }
            json.WriteString(OutputSchema.CurrencyColumn, currency);
            // Decimals as their exact digits: a JSON number, never through a double.
            json.WritePropertyName(amountColumn);
            json.WriteRawValue(amount.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            json.WritePropertyName(OutputSchema.RateColumn);
            json.WriteRawValue(rate.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            json.WriteString(OutputSchema.RateDateColumn, rateDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString(OutputSchema.StatusColumn, status);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static ColumnBatch Without(ColumnBatch batch)
    {
        var hidden = batch.Find(RowColumn);
        if (hidden is null)
            return batch;
        hidden.ReturnBuffers();
        return new ColumnBatch(batch.Origin, batch.Columns.Where(c => c != hidden).ToList(), batch.Untyped);
    }
}
