using FxEngine.Kafka;
using FxEngine.Data;
using FxEngine.Transforms;
using Parquet.Schema;

namespace FxEngine.Streaming;

/// <summary>Consumed rows as the column batches the normalizer and the writers take.</summary>
internal sealed class StreamBatches(StreamColumns columns, string topic, bool numbered)
{
    /// <summary>
    /// Transactions as an untyped batch of text columns, as a CSV file's would be; with an output
    /// topic, numbered (<see cref="OutputTopic.RowColumn"/>) to trace converted rows to their messages.
    /// </summary>
    public ColumnBatch Transactions(IReadOnlyList<StreamRow> rows, string origin)
    {
        var batch = new List<Column>(columns.Names.Count + 1);
        for (var c = 0; c < columns.Names.Count; c++)
        {
            var values = new string?[rows.Count];
            for (var r = 0; r < rows.Count; r++)
                values[r] = c < rows[r].Values.Length ? rows[r].Values[c] : null;
            batch.Add(new StringColumn(new DataField<string>(columns.Names[c], nullable: true), values));
        }
        if (numbered)
            batch.Add(OutputTopic.Numbered(rows.Count));
        return new ColumnBatch(origin, batch, untyped: true);
    }

    /// <summary>Rejects of messages that are not transactions: every column null, the problem in reject_detail.</summary>
    public ColumnBatch Invalid(IReadOnlyList<StreamRow> rows)
    {
        var batch = new List<Column>();
        foreach (var name in columns.Names.Where(n => n != OutputSchema.PartitionColumn))
            batch.Add(new StringColumn(new DataField<string>(name, nullable: true), new string?[rows.Count]));
        batch.Add(new StringColumn(new DataField<string>(OutputSchema.ReasonColumn, nullable: false), rows.Select(_ => (string?)RejectReason.InvalidMessage).ToArray()));
        batch.Add(new StringColumn(new DataField<string>(OutputSchema.DetailColumn, nullable: true),
            rows.Select(r => (string?)$"{MessageOrigin.Of(topic, r.Partition, r.Offset)}: {r.Problem}").ToArray()));
        return new ColumnBatch($"{topic} invalid messages", batch, untyped: true);
    }

    public static void Dispose(NormalizedBatch normalized)
    {
        foreach (var (_, batch) in normalized.Partitions)
            batch.Dispose();
        foreach (var (_, batch) in normalized.Rejects)
            batch.Dispose();
    }
}
