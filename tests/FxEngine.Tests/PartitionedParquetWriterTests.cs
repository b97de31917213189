using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Bounded memory by design: the writer never holds more rows than its budget, however much comes in.</summary>
public class PartitionedParquetWriterTests
{
    [Fact]
    public async Task Add_ManyRowsAcrossPartitions_BufferStaysWithinBudgetAndEveryRowIsWritten()
    {
        using var dir = new TempDir();
        await using var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Path), "", "part-test.parquet", rowGroupRows: 400, bufferBytes: 20_000);
        var random = new Random(3);
        var written = 0;
        for (var batch = 0; batch < 200; batch++)
        {
            var size = random.Next(1, 60);
            var partition = new DateOnly(2024, 1, random.Next(1, 29));
            var chunk = new ColumnBatch("test", [Strings("id", Enumerable.Range(written, size).Select(i => $"row{i}").ToArray())]);
            foreach (var group in writer.Add(partition, chunk))
                await group.WriteAsync(default);
            written += size;
            Assert.InRange(writer.BufferedBytes, 0, 20_000);
        }
        foreach (var group in writer.Flush())
            await group.WriteAsync(default);
        Assert.Equal(0, writer.BufferedRows);
        await writer.CompleteAsync(default);

        var rows = Query($"SELECT count(*) AS n, count(DISTINCT id) AS ids FROM read_parquet('{Glob(dir.Path)}')").Single();
        Assert.Equal(written, Convert.ToInt32(rows["n"]));
        Assert.Equal(written, Convert.ToInt32(rows["ids"]));
        Assert.All(Directory.GetDirectories(dir.Path), d => Assert.Single(Directory.GetFiles(d)));
    }

    [Fact]
    public async Task Dispose_WithoutComplete_PublishesNothing()
    {
        using var dir = new TempDir();
        await using (var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Path), "", "part-x.parquet", 10, 100_000))
        {
            foreach (var group in writer.Add(new DateOnly(2024, 1, 1), new ColumnBatch("t", [Strings("id", Enumerable.Range(0, 25).Select(i => $"r{i}").ToArray())])))
                await group.WriteAsync(default);
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories));
    }
}
