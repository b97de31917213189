namespace FxEngine.Sources.Rates;

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
