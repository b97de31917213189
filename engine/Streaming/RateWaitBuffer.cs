namespace FxEngine.Streaming;

/// <summary>
/// Transactions whose day has no rate snapshot yet, held until it arrives or their grace
/// period ends, whichever is first. Bounded by its owner: when <see cref="Count"/> reaches the
/// limit the consumer pauses (this buffer never drops or converts a row early to make room).
/// </summary>
internal sealed class RateWaitBuffer
{
    // A day's list keeps rows that expired since (flagged, not removed: that would cost a scan
    // each); its live count drops the list once none waits.
    private readonly Dictionary<int, (List<StreamRow> Rows, int Live)> _byDay = [];
    private readonly Queue<StreamRow> _byArrival = new();

    public int Count { get; private set; }

    public void Add(StreamRow row)
    {
        row.Waiting = true;
        var (rows, live) = _byDay.TryGetValue(row.Day, out var day) ? day : ([], 0);
        rows.Add(row);
        _byDay[row.Day] = (rows, live + 1);
        _byArrival.Enqueue(row);
        Count++;
    }

    /// <summary>The rows of a day whose snapshot just arrived.</summary>
    public IReadOnlyList<StreamRow> Release(int day)
    {
        if (!_byDay.Remove(day, out var waiting))
            return [];
        var released = waiting.Rows.Where(r => r.Waiting).ToList();
        foreach (var row in released)
            row.Waiting = false;
        Count -= released.Count;
        return released;
    }

    /// <summary>Rows that arrived before <paramref name="before"/> (ticks), oldest first: their grace is over.</summary>
    public IReadOnlyList<StreamRow> Expire(long before) => Expire(before, int.MaxValue);

    /// <summary>The <paramref name="count"/> rows that have waited longest, whatever their grace.</summary>
    public IReadOnlyList<StreamRow> ExpireOldest(int count) => Expire(long.MaxValue, count);

    private List<StreamRow> Expire(long before, int count)
    {
        var expired = new List<StreamRow>();
        while (expired.Count < count && _byArrival.TryPeek(out var oldest) && (!oldest.Waiting || oldest.ReceivedAt < before))
        {
            _byArrival.Dequeue();
            if (!oldest.Waiting)
                continue; // released with its day already
            oldest.Waiting = false;
            var (rows, live) = _byDay[oldest.Day];
            if (live == 1)
                _byDay.Remove(oldest.Day);
            else
                _byDay[oldest.Day] = (rows, live - 1);
            Count--;
            expired.Add(oldest);
        }
        return expired;
    }

    /// <summary>Every row still waiting (the end of a --once run).</summary>
    public IReadOnlyList<StreamRow> ReleaseAll() => Expire(long.MaxValue);

    /// <summary>The days rows are waiting for, with how many.</summary>
    public IEnumerable<(DateOnly Day, int Rows)> Days => _byDay.Select(d => (DateOnly.FromDayNumber(d.Key), d.Value.Live));
}
