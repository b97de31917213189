using FxEngine.Data;
using FxEngine.Transforms;

namespace FxEngine.Table;

/// <summary>Rows written per partition, by outcome, for the table state and the summary's status changes. One writer.</summary>
internal sealed class PartitionCounts
{
    private readonly SortedDictionary<string, (long Out, long Stale, long Rejected)> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, (long Out, long Stale, long Rejected)> All => _counts;

    public void Converted(DateOnly day, ColumnBatch rows)
    {
        var key = TableState.PartitionOf(day);
        var (converted, stale, rejected) = _counts.GetValueOrDefault(key);
        _counts[key] = (converted + rows.RowCount, stale + Stale(rows), rejected);
    }

    /// <summary>Counts an executor computed itself (SQL).</summary>
    public void Add(string partition, long converted, long stale, long rejected)
    {
        var (c, s, r) = _counts.GetValueOrDefault(partition);
        _counts[partition] = (c + converted, s + stale, r + rejected);
    }

    public void Rejected(string partition, long rows)
    {
        var (converted, stale, rejected) = _counts.GetValueOrDefault(partition);
        _counts[partition] = (converted, stale, rejected + rows);
    }

    private static long Stale(ColumnBatch rows)
    {
        var status = rows.Find(OutputSchema.StatusColumn) switch
        {
            null => null,
            CodeColumn codes => codes,
            var other => throw new InvalidOperationException($"column '{OutputSchema.StatusColumn}' holds {other.GetType().Name}, not status codes"),
        };
        var stale = 0L;
        if (status is not null)
            foreach (var code in status.Codes)
                if (code == CodeTable.Stale)
                    stale++;
        return stale;
    }
}
