namespace FxEngine.Sources.Rates;

/// <summary>
/// A rates snapshot in flight, shaped like the Kafka message of DESIGN.md: key = the
/// snapshot's UTC date (YYYY-MM-DD), value = the provider's JSON body byte for byte.
/// </summary>
public sealed record RatesMessage(DateOnly Date, ReadOnlyMemory<byte> Value, string Source, DateTimeOffset FetchedAt)
{
    public string Key => Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Where snapshots come from: the synthetic source, the Open Exchange Rates API, ...</summary>
public interface IRatesSource
{
    /// <summary>The label carried in the <c>fx-source</c> header.</summary>
    string Name { get; }

    /// <summary>The snapshot of one calendar day.</summary>
    Task<RatesMessage> FetchAsync(DateOnly date, CancellationToken cancellationToken);

    /// <summary>The latest snapshot, dated by the UTC date of its timestamp.</summary>
    Task<RatesMessage> FetchLatestAsync(CancellationToken cancellationToken);
}
