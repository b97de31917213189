using FxEngine.Data;
using FxEngine.Sinks;
using FxEngine.Storage;
using Parquet.Schema;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Bounded memory by design: the writer never holds more bytes of rows than its budget, however
/// much comes in; what does not fit waits in a spill file, and row groups still reach their minimum.
/// </summary>
public class PartitionedParquetWriterTests
{
    private const int RowGroupRows = 400;
    private const long BufferBytes = 20_000;

    [Fact]
    public async Task Add_ManyRowsAcrossPartitions_BufferedBytesStayWithinBudgetAndEveryRowIsWritten()
    {
        using var dir = new TempDir();
        var written = 0;
        var expected = new Dictionary<string, (decimal? Amount, string? Note)>();
        await using (var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Sub("out")), "", "part-test.parquet", RowGroupRows, BufferBytes, dir.Sub("spill")))
        {
            written = await FillAsync(writer, batches: 200, seed: 3, expected);
            Assert.True(writer.SpilledBytes > 0, "the budget is far below the input: rows must have spilled");
            foreach (var group in writer.Flush())
                await group.WriteAsync(default);
            Assert.Equal(0, writer.BufferedBytes);
            await writer.CompleteAsync(default);
        }

        var rows = Query($"SELECT id, amount, note FROM read_parquet('{Glob(dir.Sub("out"))}')");
        Assert.Equal(written, rows.Count);
        Assert.Equal(written, rows.Select(r => (string)r["id"]!).Distinct().Count());
        // Every column of every row, each batch's columns read back from where its record says they lie.
        Assert.All(rows, row =>
        {
            var (amount, note) = expected[(string)row["id"]!];
            Assert.Equal(amount, row["amount"] is null ? null : Convert.ToDecimal(row["amount"]));
            Assert.Equal(note, row["note"] as string);
        });
        Assert.All(Directory.GetDirectories(dir.Sub("out")), d => Assert.Single(Directory.GetFiles(d)));
    }

    [Fact]
    public async Task Flush_SpilledPartitions_EveryRowGroupButAFilesLastHoldsAtLeastTheMinimum()
    {
        using var dir = new TempDir();
        await using (var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Sub("out")), "", "part-test.parquet", RowGroupRows, BufferBytes, dir.Sub("spill")))
        {
            await FillAsync(writer, batches: 300, seed: 5);
            foreach (var group in writer.Flush())
                await group.WriteAsync(default);
            await writer.CompleteAsync(default);
        }

        var files = RowGroups(dir.Sub("out"));
        Assert.NotEmpty(files);
        Assert.Contains(files, f => f.Value.Count > 1); // the check below has something to check
        foreach (var (file, groups) in files)
            Assert.All(groups.SkipLast(1), rows => Assert.True(rows >= RowGroupRows, $"{file}: a row group of {rows} rows before the last"));
    }

    [Fact]
    public async Task Dispose_AfterSpilling_RemovesTheSpillFileAndPublishesNothing()
    {
        using var dir = new TempDir();
        await using (var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Sub("out")), "", "part-x.parquet", RowGroupRows, BufferBytes, dir.Sub("spill")))
        {
            await FillAsync(writer, batches: 100, seed: 7);
            Assert.True(writer.SpilledBytes > 0);
            Assert.Single(Directory.GetFiles(dir.Sub("spill")));
        }
        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
        Assert.False(Directory.Exists(dir.Sub("out")) && Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories).Length > 0);
    }

    [Fact]
    public async Task WriteAsync_FilesLastRowGroupPickedUpFirst_WaitsForTheEarlierOneAndKeepsEveryRow()
    {
        // Two workers can pick up a partition's row groups in either order: a full one taken while
        // reading, then its last at the flush. Written the other way round, the last used to
        // complete the file and the earlier one to start it anew, replacing it.
        using var dir = new TempDir();
        var ids = new List<string>();
        await using (var writer = new PartitionedParquetWriter(ObjectStore.Open(dir.Sub("out")), "", "part-test.parquet", RowGroupRows, BufferBytes, dir.Sub("spill")))
        {
            var groups = new List<PartitionedParquetWriter.RowGroup>();
            for (var batch = 0; groups.Count == 0 || batch < 12; batch++)
            {
                var batchIds = Enumerable.Range(ids.Count, 50).Select(i => $"row{i:D5}").ToArray();
                ids.AddRange(batchIds);
                groups.AddRange(writer.Add(D("2024-01-01"), new ColumnBatch("test", [Strings("id", batchIds)])));
            }
            var full = Assert.Single(groups);
            var last = Assert.Single(writer.Flush());
            Assert.False(full.Last);

            var lastWritten = last.WriteAsync(default);
            await Task.Delay(200);
            Assert.False(lastWritten.IsCompleted, "the file's last row group must wait for the one taken before it");
            await full.WriteAsync(default);
            await lastWritten;
            await writer.CompleteAsync(default);
        }

        var file = Assert.Single(Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(2, RowGroups(dir.Sub("out")).Single().Value.Count);
        Assert.Equal(ids, Query($"SELECT id FROM read_parquet('{file}')").Select(r => (string)r["id"]!));
    }

    /// <summary>
    /// Adds random batches of 1-60 rows to random days of January, each row an id, an amount and a
    /// note of random length (some null); returns the rows added, and records each in <paramref name="added"/>.
    /// </summary>
    private static async Task<int> FillAsync(PartitionedParquetWriter writer, int batches, int seed, Dictionary<string, (decimal? Amount, string? Note)>? added = null)
    {
        var random = new Random(seed);
        var written = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            var size = random.Next(1, 60);
            var partition = new DateOnly(2024, 1, random.Next(1, 29));
            var ids = Enumerable.Range(written, size).Select(i => $"row{i}").ToArray();
            var amounts = ids.Select(_ => random.Next(5) == 0 ? (decimal?)null : random.Next(-1_000_000, 1_000_000) / 100m).ToArray();
            var notes = ids.Select(_ => random.Next(4) == 0 ? null : new string((char)('a' + random.Next(26)), random.Next(0, 40))).ToArray();
            for (var i = 0; i < size; i++)
                added?.Add(ids[i], (amounts[i], notes[i]));
            var chunk = new ColumnBatch("test", [Strings("id", ids), Amounts("amount", amounts), Strings("note", notes)]);
            foreach (var group in writer.Add(partition, chunk))
                await group.WriteAsync(default);
            written += size;
            Assert.InRange(writer.BufferedBytes, 0, BufferBytes);
        }
        return written;
    }
}
