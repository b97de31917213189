using FxEngine.Data;

namespace FxEngine.Transforms;

/// <summary>The converted rows of a batch grouped by transaction date, and its rejects grouped the same way (null: no valid date).</summary>
internal sealed record NormalizedBatch(IReadOnlyList<(DateOnly Date, ColumnBatch Rows)> Partitions, IReadOnlyList<(DateOnly? Date, ColumnBatch Rows)> Rejects, NormalizeStats Stats);
