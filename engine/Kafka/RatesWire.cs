using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FxEngine.Sources.Rates;

namespace FxEngine.Kafka;

/// <summary>The rates message on the wire: key = date (YYYY-MM-DD), value = the provider's body, and its headers.</summary>
internal static class RatesWire
{
    public const string SourceHeader = "fx-source";
    public const string FetchedAtHeader = "fx-fetched-at";
    public const string ContentTypeHeader = "content-type";

    /// <summary>Why the message was dead-lettered: an <see cref="FxErrorCode"/> value such as <c>invalid_snapshot</c>.</summary>
    public const string DeadLetterReason = "fx-dlq-reason";
    /// <summary>The same problem in words, for people.</summary>
    public const string DeadLetterDetail = "fx-dlq-detail";
    public const string DeadLetterTopic = "fx-dlq-topic";
    public const string DeadLetterPartition = "fx-dlq-partition";
    public const string DeadLetterOffset = "fx-dlq-offset";

    public static Message<string, byte[]> ToKafka(RatesMessage message) => new()
    {
        Key = message.Key,
        Value = message.Value.ToArray(),
        Headers = new Headers
        {
            { SourceHeader, Encoding.UTF8.GetBytes(message.Source) },
            { FetchedAtHeader, Encoding.UTF8.GetBytes(message.FetchedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)) },
            { ContentTypeHeader, "application/json"u8.ToArray() },
        },
    };

    public static string? Header(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
