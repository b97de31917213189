using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;

namespace FxEngine.Kafka;

/// <summary>
/// The dead-letter topic of a consumer: a message that cannot be processed goes there with its
/// origin and reason, so its partition can move on. A dead letter always fits the default 1 MB
/// message limit of producers and brokers: a key or body larger than
/// <see cref="MaxBodyBytes"/> is cut to that size, and the headers say so (original size and
/// SHA-256 of the whole); the original headers are kept up to <see cref="MaxHeaderBytes"/>. So
/// one huge message can never stop the consumer. Delivery is retried
/// with backoff; the caller commits past the message only after it returns.
/// </summary>
internal sealed class DeadLetters(IProducer<byte[]?, byte[]?> producer, string topic, Action<string> log)
{
    public const string TruncatedHeader = "fx-dlq-truncated";
    public const string OriginalSizeHeader = "fx-dlq-original-size";
    public const string Sha256Header = "fx-dlq-sha256";

    /// <summary>The largest key or body kept whole: 256 KiB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The most bytes of the original headers (names and values) kept: 64 KiB; the rest are dropped, and a header says so.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    public string Topic => topic;

    /// <summary>Sends the dead letter, retrying; throws (naming the origin) only when every try failed.</summary>
    /// <param name="reason">The <see cref="FxErrorCode"/> of the problem, for consumers of the dead letters to act on.</param>
    /// <param name="detail">The problem in words, for people.</param>
    public void Send(ConsumeResult<byte[]?, byte[]?> result, string reason, string detail, CancellationToken cancellationToken)
    {
        var origin = MessageOrigin.Of(result);
        var letter = Build(result, reason, detail);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                producer.ProduceAsync(topic, letter, cancellationToken).GetAwaiter().GetResult();
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (attempt < Backoff.Length)
            {
                log($"{origin}: dead letter to {topic} failed ({ex.Error.Reason}); retrying in {Backoff[attempt].TotalSeconds:0} s");
                Task.Delay(Backoff[attempt], cancellationToken).GetAwaiter().GetResult();
            }
            catch (ProduceException<byte[]?, byte[]?> ex)
            {
                throw new FxException($"{origin}: could not send it to the dead-letter topic {topic} after {attempt + 1} tries ({ex.Error.Reason}); its offset was not committed, so a restart retries it", ex);
            }
        }
    }

    internal static Message<byte[]?, byte[]?> Build(ConsumeResult<byte[]?, byte[]?> result, string reason, string detail)
    {
        var headers = new Headers();
        var (kept, total) = (0, 0);
        foreach (var header in result.Message.Headers ?? [])
        {
            var value = header.GetValueBytes();
            var size = Encoding.UTF8.GetByteCount(header.Key) + (value?.Length ?? 0);
            total += size;
            if (kept + size > MaxHeaderBytes)
                continue;
            headers.Add(header.Key, value);
            kept += size;
        }
        if (total > kept)
        {
            headers.Add(TruncatedHeader, Encoding.UTF8.GetBytes("headers"));
            headers.Add($"{OriginalSizeHeader}-headers", Text(total));
        }
        headers.Add(RatesWire.DeadLetterReason, Encoding.UTF8.GetBytes(reason));
        headers.Add(RatesWire.DeadLetterDetail, Encoding.UTF8.GetBytes(detail));
        headers.Add(RatesWire.DeadLetterTopic, Encoding.UTF8.GetBytes(result.Topic));
        headers.Add(RatesWire.DeadLetterPartition, Text(result.Partition.Value));
        headers.Add(RatesWire.DeadLetterOffset, Text(result.Offset.Value));
        return new Message<byte[]?, byte[]?>
        {
            Key = Cut(result.Message.Key, "key", headers),
            Value = Cut(result.Message.Value, "value", headers),
            Headers = headers,
        };
    }

    private static byte[]? Cut(byte[]? bytes, string part, Headers headers)
    {
        if (bytes is null || bytes.Length <= MaxBodyBytes)
            return bytes;
        headers.Add(TruncatedHeader, Encoding.UTF8.GetBytes(part));
        headers.Add($"{OriginalSizeHeader}-{part}", Text(bytes.Length));
        headers.Add($"{Sha256Header}-{part}", Encoding.UTF8.GetBytes(Convert.ToHexStringLower(SHA256.HashData(bytes))));
        return bytes[..MaxBodyBytes];
    }

    private static byte[] Text(long value) => Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture));
}
