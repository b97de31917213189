using FxEngine.Data;
using FxEngine.Transforms;

namespace FxEngine.Table;

/// <summary>
/// Keeps only the rows of partitions a run recomputes: an input file that holds one new day
/// among ninety old ones contributes just that day's rows, so the untouched partitions are
/// neither rewritten nor counted.
/// </summary>
internal sealed class PartitionFilter(ChangePlan plan, string dateColumn)
{
    /// <summary>The batch's rows in recomputed partitions: the batch itself, a gathered copy, or null when none are.</summary>
    public ColumnBatch? Select(ColumnBatch batch)
    {
        if (plan.Full)
            return batch;
        var column = batch.Find(dateColumn) ?? throw new FxException($"{batch.Origin}: date column '{dateColumn}' not found; name it with --date-column");
        var days = new int[batch.RowCount];
        KeyColumns.DayNumbers(column, days);
        var kept = new List<int>(batch.RowCount);
        for (var row = 0; row < days.Length; row++)
            if (plan.Recomputes(days[row]))
                kept.Add(row);
        if (kept.Count == batch.RowCount)
            return batch;
        var selected = kept.Count == 0 ? null : batch.Gather(kept.ToArray());
        batch.Dispose();
        return selected;
    }
}
