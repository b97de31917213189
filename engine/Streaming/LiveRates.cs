using FxEngine.Sources.Rates;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>
/// The rates topic as a live table: every snapshot seen so far, one per day, and the broadcast
/// <see cref="RateTable"/> built from them, rebuilt and swapped whole when a snapshot arrives
/// (readers keep the table they took). A later snapshot of a day (the day's closing snapshot
/// after an hourly provisional one, by its timestamp) replaces the earlier; two different
/// snapshots with the same timestamp are a conflict nobody can settle here, and fail the stream.
/// </summary>
internal sealed class LiveRates(string target, int maxStaleDays)
{
    private readonly SortedDictionary<DateOnly, (RateSnapshot Snapshot, string Origin)> _byDay = [];
    private bool _changed;

    /// <summary>The current table; null until the first snapshot arrives.</summary>
    public RateTable? Table { get; private set; }

    public int Count => _byDay.Count;

    public bool Has(DateOnly day) => _byDay.ContainsKey(day);

    /// <summary>
    /// Takes a snapshot in; true when it changes the table (a new day, or a newer copy of one),
    /// which <see cref="Publish"/> then rebuilds once for however many arrived together.
    /// </summary>
    public bool Add(RateSnapshot snapshot, string origin)
    {
        if (_byDay.TryGetValue(snapshot.Date, out var known))
        {
            if (known.Snapshot.DifferenceFrom(snapshot) is not { } difference)
                return false; // a redelivery
            if (snapshot.Timestamp == known.Snapshot.Timestamp)
                throw new FxException($"{known.Origin} and {origin} hold different snapshots for {snapshot.Date:yyyy-MM-dd} with the same timestamp ({difference}); remove one from the rates topic");
            if (snapshot.Timestamp < known.Snapshot.Timestamp)
                return false; // an older copy arriving late: the newer one stays
        }
        _byDay[snapshot.Date] = (snapshot, origin);
        _changed = true;
        return true;
    }

    /// <summary>Swaps in a table built from every snapshot, if any arrived since the last one.</summary>
    public void Publish()
    {
        if (!_changed)
            return;
        Table = new RateTable(_byDay.Values.Select(v => v.Snapshot), target, maxStaleDays);
        _changed = false;
    }
}
