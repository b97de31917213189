using System.Buffers;
using FxEngine.Data;
using FxEngine.Sources.Transactions;
using Parquet;
using Parquet.Schema;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>A batch owns its columns' buffers: they go back to the pool once, and nothing reads them after.</summary>
public class ColumnBatchTests
{
    private static async Task<string> WriteSampleAsync(TempDir dir)
    {
        var path = dir.Sub("sample.parquet");
        await WriteParquetAsync(path,
        [
            new StringColumn(new DataField<string>("id", nullable: false), ["a", "bb", "ccc", "dddd"]),
            Strings("note", "x", null, "zz", null),
            Dates("day", D("2024-01-01"), D("2024-01-02"), D("2024-01-03"), D("2024-01-04")),
            Amounts("amount", 1.5m, null, -2m, 3.25m),
        ]);
        return path;
    }

    private static async Task<ColumnBatch> ReadAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(File.OpenRead(path), InputDiscovery.ReadOptions);
        return await ColumnBatch.ReadAsync(reader.OpenRowGroupReader(0), reader.Schema.GetDataFields(), path, CancellationToken.None);
    }

    [Fact]
    public async Task ReadAsync_EveryKind_ViewsExactlyTheRowsWithTheirNulls()
    {
        using var dir = new TempDir();
        using var batch = await ReadAsync(await WriteSampleAsync(dir));

        var id = Assert.IsType<TextColumn>(batch.Columns[0]);
        Assert.Equal(["a", "bb", "ccc", "dddd"], id.Values.ToArray().Select(v => v.ToString()));
        Assert.True(id.Nulls.IsEmpty);
        var note = Assert.IsType<TextColumn>(batch.Columns[1]);
        Assert.Equal(["x", "", "zz", ""], note.Values.ToArray().Select(v => v.ToString()));
        Assert.Equal([false, true, false, true], note.Nulls.ToArray());
        Assert.Equal(4, Assert.IsType<RequiredColumn<DateOnly>>(batch.Columns[2]).Values.Length);
        Assert.Equal([1.5m, null, -2m, 3.25m], Assert.IsType<OptionalColumn<decimal>>(batch.Columns[3]).Values.ToArray());
    }

    [Fact]
    public async Task Dispose_ThenReadAnyColumn_ThrowsObjectDisposedException()
    {
        using var dir = new TempDir();
        var batch = await ReadAsync(await WriteSampleAsync(dir));
        var columns = batch.Columns;
        var gathered = batch.Gather([3, 0]);

        batch.Dispose();

        Assert.Throws<ObjectDisposedException>(() => batch.Columns);
        Assert.Throws<ObjectDisposedException>(() => batch.Find("id"));
        Assert.Throws<ObjectDisposedException>(() => ((TextColumn)columns[0]).Values.Length);
        Assert.Throws<ObjectDisposedException>(() => ((TextColumn)columns[1]).Nulls.Length);
        Assert.Throws<ObjectDisposedException>(() => ((RequiredColumn<DateOnly>)columns[2]).Values.Length);
        Assert.Throws<ObjectDisposedException>(() => ((OptionalColumn<decimal>)columns[3]).Values.Length);
        Assert.Throws<ObjectDisposedException>(() => batch.Gather([0]));
        // A gathered batch owns copies: it outlives its source.
        Assert.Equal(["dddd", "a"], ((TextColumn)gathered.Columns[0]).Values.ToArray().Select(v => v.ToString()));
        var kept = (TextColumn)gathered.Columns[0];
        gathered.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kept.Values.Length);
    }

    [Fact]
    public async Task Conform_RequiredTextMadeNullable_KeepsItsTextAfterTheReadBuffersAreReused()
    {
        using var dir = new TempDir();
        var read = await ReadAsync(await WriteSampleAsync(dir));
        var schema = read.Fields.Select(f => f.Name == "id" ? new DataField("id", f.ClrType, isNullable: true) : f).ToList();

        using var conformed = InputSchema.Conform(read, schema);
        // The read column's characters went back to the pool: whoever rents them next overwrites them.
        for (var i = 0; i < 8; i++)
            ArrayPool<char>.Shared.Rent(10).AsSpan().Fill('#');

        var id = Assert.IsType<TextColumn>(conformed.Columns[0]);
        Assert.True(id.Field.IsNullable);
        Assert.Equal(["a", "bb", "ccc", "dddd"], id.Values.ToArray().Select(v => v.ToString()));
        Assert.Equal([false, false, false, false], id.Nulls.ToArray());
    }

    [Fact]
    public async Task ReadAsync_TextWithoutOneCharacter_ReadsEmptyAndNullValues()
    {
        using var dir = new TempDir();
        var path = dir.Sub("empty.parquet");
        await WriteParquetAsync(path, [new StringColumn(new DataField<string>("id", nullable: false), ["", ""]), Strings("note", null, "")]);

        var batch = await ReadAsync(path);
        var id = (TextColumn)batch.Columns[0];
        var note = (TextColumn)batch.Columns[1];
        Assert.Equal(["", ""], id.Values.ToArray().Select(v => v.ToString()));
        Assert.Equal([true, false], note.Nulls.ToArray());
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => id.Values.Length);
    }

    [Fact]
    public async Task Dispose_Twice_ReturnsEachBufferExactlyOnce()
    {
        using var dir = new TempDir();
        var path = await WriteSampleAsync(dir);
        await using var reader = await ParquetReader.CreateAsync(File.OpenRead(path), InputDiscovery.ReadOptions);
        var group = reader.OpenRowGroupReader(0);
        var fields = reader.Schema.GetDataFields();
        var dates = new CountingPool<DateOnly>();
        var amounts = new CountingPool<decimal?>();
        var batch = new ColumnBatch(path,
        [
            await RequiredColumn<DateOnly>.ReadAsync(group, fields[2], 4, CancellationToken.None, dates),
            await OptionalColumn<decimal>.ReadAsync(group, fields[3], 4, CancellationToken.None, amounts),
        ]);
        Assert.Equal((1, 0), (dates.Rented, dates.Returned));

        batch.Dispose();
        batch.Dispose();

        Assert.Equal((1, 1), (dates.Rented, dates.Returned));
        Assert.Equal((1, 1), (amounts.Rented, amounts.Returned));
    }

    [Fact]
    public async Task WriteAsync_GatheredRowsWithNulls_ReadBackInOrder()
    {
        using var dir = new TempDir();
        var source = await ReadAsync(await WriteSampleAsync(dir));
        using var gathered = source.Gather([1, 3, 0, 2, 2]);
        source.Dispose();
        var path = dir.Sub("gathered.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(gathered.Fields.ToArray()), stream))
        {
            using var rowGroup = writer.CreateRowGroup();
            foreach (var column in gathered.Columns)
                await column.WriteAsync(rowGroup, CancellationToken.None);
            rowGroup.CompleteValidate();
        }

        var rows = Query($"SELECT id, note, day, amount FROM read_parquet('{path}')");
        Assert.Equal(["bb", "dddd", "a", "ccc", "ccc"], rows.Select(r => (string)r["id"]!));
        Assert.Equal([null, null, "x", "zz", "zz"], rows.Select(r => (string?)r["note"]));
        Assert.Equal([null, 3.25m, 1.5m, -2m, -2m], rows.Select(r => (decimal?)r["amount"]));
    }

    private sealed class CountingPool<T> : ArrayPool<T>
    {
        public int Rented { get; private set; }
        public int Returned { get; private set; }

        public override T[] Rent(int minimumLength)
        {
            Rented++;
            return new T[minimumLength];
        }

        public override void Return(T[] array, bool clearArray = false) => Returned++;
    }

    private static object?[] ValuesOf(Column column)
    {
        switch (column)
        {
            case TextColumn text:
                var nulls = text.Nulls.ToArray();
                return text.Values.ToArray().Select((value, row) => nulls.Length > 0 && nulls[row] ? null : (object?)value.ToString()).ToArray();
            case RequiredColumn<DateOnly> dates:
                return dates.Values.ToArray().Select(value => (object?)value).ToArray();
            case OptionalColumn<decimal> amounts:
                return amounts.Values.ToArray().Select(value => (object?)value).ToArray();
            default:
                throw new InvalidOperationException($"no values for {column.GetType().Name}");
        }
    }

    [Fact]
    public async Task Split_EveryKind_HoldsTheSameRowsAsGatheringEachGroup()
    {
        using var dir = new TempDir();
        using var batch = await ReadAsync(await WriteSampleAsync(dir));
        // Rows 1 and 3 in group 0, row 0 in group 2, row 2 in none, group 1 empty; the window starts at row 0.
        int[] groupOf = [2, 0, -1, 0];
        int[] sizes = [2, 0, 1];

        foreach (var column in batch.Columns)
        {
            var split = column.Split(0, groupOf, sizes);
            Assert.Null(split[1]);
            foreach (var (group, rows) in new[] { (0, new[] { 1, 3 }), (2, new[] { 0 }) })
            {
                var expected = column.Gather(rows);
                var actual = split[group]!;
                Assert.Equal(expected.GetType(), actual.GetType());
                Assert.Equal(ValuesOf(expected), ValuesOf(actual));
            }
        }
    }
}
