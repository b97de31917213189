using FxEngine.Table;

namespace FxEngine.Streaming;

/// <summary>
/// Which offsets of each topic partition are in the table, which are consumed but not yet
/// (waiting for a rate, or buffered until the next flush), and so where a restart resumes and
/// what it skips. Rows leave out of order (a row waits for its day's rates while later ones
/// flush), so a single committed offset cannot say it: the table state keeps, per partition,
/// the next offset and the ranges below it that are not yet written. One thread uses it.
/// </summary>
internal sealed class OffsetLedger
{
    private readonly SortedDictionary<int, Track> _partitions = [];

    private sealed class Track
    {
        /// <summary>Committed: every offset below this is in the table except <see cref="Unwritten"/> (as of the last commit).</summary>
        public long CommittedNext;

        /// <summary>Committed ranges [from, to) below <see cref="CommittedNext"/> not in the table; read again on a restart.</summary>
        public List<long[]> Unwritten = [];

        /// <summary>The next offset to consume.</summary>
        public long Position;

        /// <summary>Consumed since the last commit (or replayed from <see cref="Unwritten"/>), not yet in the table.</summary>
        public readonly SortedSet<long> Open = [];
    }

    public static OffsetLedger From(StreamState? state)
    {
        var ledger = new OffsetLedger();
        foreach (var (partition, offsets) in state?.Offsets ?? [])
        {
            var track = ledger.TrackOf(partition);
            track.CommittedNext = offsets.Next;
            track.Unwritten = Merge(offsets.Unwritten);
            track.Position = ResumeAt(track);
        }
        return ledger;
    }

    /// <summary>The next offset the last commit recorded for a partition; null when the table has none of it.</summary>
    public long? CommittedNextOf(int partition) => _partitions.TryGetValue(partition, out var track) ? track.CommittedNext : null;

    /// <summary>Where to start reading a partition: its first unwritten offset, or its next one; null when the table has none of it.</summary>
    public long? StartOf(int partition) => _partitions.TryGetValue(partition, out var track) ? ResumeAt(track) : null;

    /// <summary>
    /// Records that <paramref name="offset"/> was consumed; false when the table already holds
    /// its row (a restart reading again past a waiting row), which must then be skipped.
    /// </summary>
    public bool Consume(int partition, long offset)
    {
        var track = TrackOf(partition);
        track.Position = Math.Max(track.Position, offset + 1);
        if (offset < track.CommittedNext && !Contains(track.Unwritten, offset))
            return false;
        track.Open.Add(offset);
        return true;
    }

    /// <summary>A partition's next offset to read (the end of the topic when it is caught up).</summary>
    public long PositionOf(int partition) => _partitions.TryGetValue(partition, out var track) ? track.Position : 0;

    /// <summary>Moves the position past offsets with no message (compacted, transaction markers), as the consumer reports it.</summary>
    public void Reached(int partition, long position)
    {
        var track = TrackOf(partition);
        track.Position = Math.Max(track.Position, position);
    }

    /// <summary>
    /// The offsets as a commit that writes <paramref name="written"/> leaves them: applied by
    /// <see cref="Committed"/> only once that commit's state is stored.
    /// </summary>
    public SortedDictionary<int, PartitionOffsets> After(IEnumerable<(int Partition, long Offset)> written)
    {
        var leaving = written.ToLookup(w => w.Partition, w => w.Offset);
        var result = new SortedDictionary<int, PartitionOffsets>();
        foreach (var (partition, track) in _partitions)
        {
            var done = leaving[partition].ToHashSet();
            // Still unwritten: open offsets not in this flush, and committed gaps not read again yet.
            var open = track.Open.Where(o => !done.Contains(o)).Select(o => new[] { o, o + 1 });
            var notReread = track.Unwritten.Where(r => r[1] > track.Position)
                .Select(r => new[] { Math.Max(r[0], track.Position), r[1] });
            var next = Math.Max(track.CommittedNext, track.Position);
            result[partition] = new PartitionOffsets { Next = next, Unwritten = Merge(open.Concat(notReread)) };
        }
        return result;
    }

    /// <summary>The commit that wrote <paramref name="written"/> is stored: those offsets are done.</summary>
    public void Committed(SortedDictionary<int, PartitionOffsets> offsets, IEnumerable<(int Partition, long Offset)> written)
    {
        foreach (var (partition, offset) in written)
            TrackOf(partition).Open.Remove(offset);
        foreach (var (partition, committed) in offsets)
        {
            var track = TrackOf(partition);
            track.CommittedNext = committed.Next;
            track.Unwritten = Merge(committed.Unwritten);
        }
    }

    /// <summary>Where a consumer group would resume: informational, since a restart reads the table state.</summary>
    public IEnumerable<(int Partition, long Offset)> ResumePoints() =>
        _partitions.Select(p => (p.Key, p.Value.Open.Count > 0 ? Math.Min(p.Value.Open.Min, ResumeAt(p.Value)) : ResumeAt(p.Value)));

    private static long ResumeAt(Track track)
    {
        var firstGap = track.Unwritten.Where(r => r[1] > track.Position).Select(r => Math.Max(r[0], track.Position)).DefaultIfEmpty(long.MaxValue).Min();
        return Math.Min(firstGap, Math.Max(track.Position, track.CommittedNext));
    }

    private Track TrackOf(int partition) => _partitions.TryGetValue(partition, out var track) ? track : _partitions[partition] = new Track();

    /// <summary>Whether sorted, disjoint [from, to) ranges hold <paramref name="offset"/>: a binary search, since a replay asks for every offset.</summary>
    internal static bool Contains(List<long[]> ranges, long offset)
    {
        var (low, high) = (0, ranges.Count - 1);
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (offset < ranges[middle][0])
                high = middle - 1;
            else if (offset >= ranges[middle][1])
                low = middle + 1;
            else
                return true;
        }
        return false;
    }

    /// <summary>Sorted, adjacent and overlapping ranges joined: the state stays small when rows wait in runs.</summary>
    internal static List<long[]> Merge(IEnumerable<long[]> ranges)
    {
        var merged = new List<long[]>();
        foreach (var range in ranges.OrderBy(r => r[0]))
        {
            if (merged.Count > 0 && range[0] <= merged[^1][1])
                merged[^1][1] = Math.Max(merged[^1][1], range[1]);
            else
                merged.Add([range[0], range[1]]);
        }
        return merged;
    }
}
