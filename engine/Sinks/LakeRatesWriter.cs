using FxEngine.Sources.Rates;
using FxEngine.Storage;

namespace FxEngine.Sinks;

/// <summary>
/// Lands rate messages in the lake as <c>exchange_rates/YYYY-MM-DD.json</c>, the message
/// value byte for byte. The key comes from the validated snapshot date, never from raw
/// message bytes; only valid snapshots arrive (a <see cref="RatesMessage"/> holds its parsed body).
/// A day's copy is replaced only by a later one (by its timestamp: the closing snapshot after a
/// provisional one), as the stream's rate table takes them: an older copy arriving late (a
/// "latest" fetched just after midnight, a replayed topic) leaves the later one in place.
/// </summary>
internal sealed class LakeRatesWriter(IObjectStore lake)
{
    public const string Folder = "exchange_rates/";

    public static string KeyOf(DateOnly date) => $"{Folder}{date:yyyy-MM-dd}.json";

    /// <summary>What landing a message did.</summary>
    public enum Outcome
    {
        /// <summary>The lake had no copy of the day, or an earlier one (or one that does not parse).</summary>
        Written,

        /// <summary>The lake has this very snapshot already (a redelivery): nothing was written.</summary>
        AlreadyLanded,

        /// <summary>The lake has a later copy of the day, which stays.</summary>
        KeptLater,
    }

    /// <exception cref="FxException">
    /// Code <see cref="FxErrorCode.SnapshotConflict"/>: the lake holds a different snapshot of the
    /// day with the same timestamp; which one is right is not the sink's to guess.
    /// </exception>
    public async Task<(string Key, Outcome Outcome, RateSnapshot? Landed)> WriteAsync(RatesMessage message, string origin, CancellationToken cancellationToken)
    {
        var key = KeyOf(message.Date);
        if (await LandedAsync(message.Date, cancellationToken).ConfigureAwait(false) is { } landed)
        {
            if (landed.DifferenceFrom(message.Snapshot) is not { } difference)
                return (key, Outcome.AlreadyLanded, landed);
            if (landed.Timestamp == message.Snapshot.Timestamp)
                throw new FxException(FxErrorCode.SnapshotConflict, origin,
                    $"{lake.Describe(key)} holds a different snapshot of {message.Date:yyyy-MM-dd} with the same timestamp ({difference}); remove the wrong one");
            if (landed.Timestamp > message.Snapshot.Timestamp)
                return (key, Outcome.KeptLater, landed);
        }
        await lake.WriteAllAsync(key, message.Value, cancellationToken).ConfigureAwait(false);
        return (key, Outcome.Written, null);
    }

    /// <summary>The day's copy in the lake; null when there is none, or it is not a snapshot (it is then replaced).</summary>
    private async Task<RateSnapshot?> LandedAsync(DateOnly date, CancellationToken cancellationToken) =>
        (await ReadLandedAsync(lake, date, cancellationToken).ConfigureAwait(false))?.Snapshot;

    /// <summary>A day's copy in a lake, read: its snapshot, or why it is not one; null when there is no copy.</summary>
    public static async Task<(RateSnapshot? Snapshot, string? Problem)?> ReadLandedAsync(IObjectStore lake, DateOnly date, CancellationToken cancellationToken)
    {
        var key = KeyOf(date);
        if (await lake.TryReadAllAsync(key, cancellationToken).ConfigureAwait(false) is not { } bytes)
            return null;
        try
        {
            return (RateSnapshotParser.Parse(bytes, lake.Describe(key), date), null);
        }
        catch (FxException ex)
        {
            return (null, ex.Message);
        }
    }
}
