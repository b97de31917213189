namespace FxEngine.Sources.Rates;

/// <summary>
/// A rates snapshot in flight, shaped like the Kafka message (README, "The flow"): key = the
/// snapshot's UTC date (YYYY-MM-DD), value = the provider's JSON body byte for byte. It holds
/// the body parsed once, where it enters (a source, or the lake sink's consumer): a message
/// exists only for a valid snapshot, so the publisher and the lake writer need not parse again.
/// </summary>
public sealed class RatesMessage
{
    private RatesMessage(RateSnapshot snapshot, ReadOnlyMemory<byte> value, string source, DateTimeOffset fetchedAt)
    {
        Snapshot = snapshot;
        Value = value;
        Source = source;
        FetchedAt = fetchedAt;
    }

    /// <summary>The snapshot's date: the requested day of a historical fetch, else the UTC date of its timestamp.</summary>
    public DateOnly Date => Snapshot.Date;

    /// <summary>The parsed body.</summary>
    public RateSnapshot Snapshot { get; }

    /// <summary>The body as received; what the topic and the lake carry.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The label carried in the <c>fx-source</c> header.</summary>
    public string Source { get; }

    public DateTimeOffset FetchedAt { get; }

    public string Key => Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses and validates a body; the message keeps the bytes it was given.</summary>
    /// <param name="origin">Where the body came from, for errors (never a URI holding a secret).</param>
    /// <param name="date">The requested day of a historical snapshot; null: the UTC date of its timestamp.</param>
    /// <exception cref="FxException">Code <see cref="FxErrorCode.InvalidSnapshot"/>, location <paramref name="origin"/>.</exception>
    public static RatesMessage Parse(ReadOnlyMemory<byte> value, string source, DateTimeOffset fetchedAt, string origin, DateOnly? date = null) =>
        new(RateSnapshotParser.Parse(value.Span, origin, date), value, source, fetchedAt);
}
