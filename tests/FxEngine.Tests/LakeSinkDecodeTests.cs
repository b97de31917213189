using System.Text;
using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>The lake sink's decoding: a typed error per poison message, whose code and detail its dead letter carries.</summary>
public class LakeSinkDecodeTests
{
    private const string Origin = "rates[2]@17";

    [Fact]
    public void Decode_GoodMessage_KeepsTheBodyBytesAndParsedSnapshot()
    {
        var body = SyntheticRatesSource.Render(D("2024-07-01"));
        var message = LakeSinkJob.Decode(Consumed("2024-07-01", body), Origin);
        Assert.True(message.Value.Span.SequenceEqual(body));
        Assert.Equal(D("2024-07-01"), message.Snapshot.Date);
        Assert.Equal("USD", message.Snapshot.Base);
        Assert.Equal("2024-07-01", message.Key);
    }

    [Theory]
    [InlineData("yesterday", "{}", FxErrorCode.InvalidKey, "key is not a date (YYYY-MM-DD)")]
    [InlineData("2024-07-02", null, FxErrorCode.MissingBody, "the message has no body")]
    [InlineData("2024-07-02", "{\"timestamp\":1719792000,\"rates\":{\"SGD\":1.3}}", FxErrorCode.InvalidSnapshot,
        "invalid rate snapshot: the snapshot has no 'base'")]
    [InlineData("2024-07-02", "{\"timestamp\":1719792000,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", FxErrorCode.DateMismatch,
        "key 2024-07-02 disagrees with the body's timestamp date 2024-07-01")]
    [InlineData("2024-07-01", "{\"timestamp\":1719792000,\"base\":\"\\uD800\",\"rates\":{\"SGD\":1.3}}", FxErrorCode.InvalidSnapshot,
        "invalid rate snapshot: a name or string is not valid Unicode text")]
    public void Decode_PoisonMessage_ThrowsCodeAndDetail(string key, string? body, string code, string detail)
    {
        var error = Assert.Throws<FxException>(() => LakeSinkJob.Decode(Consumed(key, body is null ? null : Encoding.UTF8.GetBytes(body)), Origin));
        Assert.Equal(code, error.Code);
        Assert.Equal(detail, error.Detail);
        Assert.Equal(Origin, error.Location);
        Assert.Equal($"{Origin}: {detail}", error.Message);
    }

    [Fact]
    public void DeadLetterBuild_CodeAndDetail_GoInTheirHeaders()
    {
        var letter = DeadLetters.Build(Consumed("x", [1, 2]), FxErrorCode.InvalidKey, "key is not a date (YYYY-MM-DD)");
        Assert.Equal("invalid_key", RatesWire.Header(letter.Headers, RatesWire.DeadLetterReason));
        Assert.Equal("key is not a date (YYYY-MM-DD)", RatesWire.Header(letter.Headers, RatesWire.DeadLetterDetail));
        Assert.Equal("rates", RatesWire.Header(letter.Headers, RatesWire.DeadLetterTopic));
        Assert.Equal("17", RatesWire.Header(letter.Headers, RatesWire.DeadLetterOffset));
    }

    [Fact]
    public void RatesMessageParse_InvalidBody_ThrowsInvalidSnapshotAtTheOrigin()
    {
        var body = "{\"error\":true}"u8.ToArray();
        var error = Assert.Throws<FxException>(() => RatesMessage.Parse(body, "test", DateTimeOffset.UnixEpoch, "feed 2024-01-01"));
        Assert.Equal(FxErrorCode.InvalidSnapshot, error.Code);
        Assert.Equal("feed 2024-01-01", error.Location);
        Assert.Equal("feed 2024-01-01: the body is an API error response, not a snapshot", error.Message);
    }

    private static ConsumeResult<byte[]?, byte[]?> Consumed(string key, byte[]? body) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("rates", 2, 17),
        Message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(key), Value = body, Headers = [] },
    };
}
