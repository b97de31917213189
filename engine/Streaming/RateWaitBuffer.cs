namespace FxEngine.Streaming;

/// <summary>
/// Transactions whose day has no rate snapshot yet, held until it arrives or their grace
/// period ends, whichever is first. A row leaves both of its orders (arrival, and its day) in
/// constant time, so the buffer holds exactly the <see cref="Count"/> rows still waiting; its
/// owner bounds that count by pausing the consumer.
/// </summary>
internal sealed class RateWaitBuffer
{
    private readonly LinkedList<StreamRow> _byArrival = new();
    private readonly Dictionary<int, LinkedList<StreamRow>> _byDay = [];
    private readonly Dictionary<StreamRow, (LinkedListNode<StreamRow> Arrival, LinkedListNode<StreamRow> Day)> _nodes = new(ReferenceEqualityComparer.Instance);

    public int Count => _nodes.Count;

    public void Add(StreamRow row)
    {
        if (!_byDay.TryGetValue(row.Day, out var day))
            _byDay[row.Day] = day = new LinkedList<StreamRow>();
        _nodes.Add(row, (_byArrival.AddLast(row), day.AddLast(row)));
    }

    /// <summary>The rows of a day whose snapshot just arrived.</summary>
    public IReadOnlyList<StreamRow> Release(int day)
    {
        if (!_byDay.Remove(day, out var rows))
            return [];
        foreach (var row in rows)
        {
            _byArrival.Remove(_nodes[row].Arrival);
            _nodes.Remove(row);
        }
        return rows.ToList();
    }

    /// <summary>Rows that arrived before <paramref name="before"/> (ticks), oldest first: their grace is over.</summary>
    public IReadOnlyList<StreamRow> Expire(long before) => Expire(before, int.MaxValue);

    /// <summary>The <paramref name="count"/> rows that have waited longest, whatever their grace.</summary>
    public IReadOnlyList<StreamRow> ExpireOldest(int count) => Expire(long.MaxValue, count);

    /// <summary>Every row still waiting (the end of a --once run).</summary>
    public IReadOnlyList<StreamRow> ReleaseAll() => Expire(long.MaxValue);

    /// <summary>The days rows are waiting for, with how many.</summary>
    public IEnumerable<(DateOnly Day, int Rows)> Days => _byDay.Select(d => (DateOnly.FromDayNumber(d.Key), d.Value.Count));

    private List<StreamRow> Expire(long before, int count)
    {
        var expired = new List<StreamRow>();
        while (expired.Count < count && _byArrival.First is { } oldest && oldest.Value.ProducedAt < before)
        {
            var row = oldest.Value;
            _byArrival.RemoveFirst();
            var day = _byDay[row.Day];
            day.Remove(_nodes[row].Day);
            if (day.Count == 0)
                _byDay.Remove(row.Day);
            _nodes.Remove(row);
            expired.Add(row);
        }
        return expired;
    }
}
