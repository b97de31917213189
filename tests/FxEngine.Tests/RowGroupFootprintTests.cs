using System.Runtime.CompilerServices;
using FxEngine.Data;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A row group's estimate, made from its footer before it is read, against the bytes its decoded
/// batch then holds: never less (the read stage admits row groups by it, so an estimate short of
/// what stays in memory would let too many in), and not so much more that row groups which fit
/// would be read one at a time. Decoding takes more than the batch keeps (each text value
/// in an array of its own, levels, Parquet.Net's own buffers), so the estimate sits above it.
/// </summary>
public class RowGroupFootprintTests
{
    [Fact]
    public async Task Estimate_GeneratedRowGroups_BetweenWhatTheBatchHoldsAndFourTimesThat()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 20_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-05"), RowGroupRows = 10_000,
        });

        await AssertEstimatesAsync(dir.Sub("raw"));
    }

    [Fact]
    public async Task Estimate_LongUniqueText_BetweenWhatTheBatchHoldsAndFourTimesThat()
    {
        using var dir = new TempDir();
        var rows = 8_000;
        var notes = Enumerable.Range(0, rows).Select(i => $"note {i:D6} {new string((char)('a' + i % 26), 60)}").ToArray();
        await WriteParquetAsync(dir.Sub("raw/wide.parquet"),
            [Strings("note", notes), Dates("txn_date", Enumerable.Repeat(D("2024-01-01"), rows).ToArray()), Amounts("amount", Enumerable.Repeat<decimal?>(1.5m, rows).ToArray())],
            rowGroupRows: 4_000);

        await AssertEstimatesAsync(dir.Sub("raw"));
    }

    [Fact]
    public async Task Estimate_DictionaryEncodedLongText_BetweenWhatTheBatchHoldsAndFourTimesThat()
    {
        // DuckDB (as pyarrow and Spark) writes low-cardinality text dictionary-encoded: the chunk's
        // size is 20 distinct values and the indexes, far less than the text the rows decode to.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("raw"));
        var file = dir.Sub("raw/dictionary.parquet").Replace('\\', '/');
        Query($"COPY (SELECT 'TXN' || i AS txn_id, DATE '2024-01-01' AS txn_date, repeat(chr((97 + i % 20)::INTEGER), 500) AS note, 1.5::DECIMAL(18,2) AS amount " +
            $"FROM range(20000) t(i)) TO '{file}' (FORMAT PARQUET, ROW_GROUP_SIZE 10000)");
        Assert.All(Query($"SELECT encodings FROM parquet_metadata('{file}') WHERE path_in_schema = 'note'"),
            chunk => Assert.Contains("DICTIONARY", Convert.ToString(chunk["encodings"])));

        await AssertEstimatesAsync(dir.Sub("raw"));
    }

    [Fact]
    public async Task Estimate_FileLackingAMergedColumn_CountsItsNulls()
    {
        // The narrow file's rows take a null 'note' under the merged schema: its slice and null flag each.
        using var dir = new TempDir();
        var rows = 3_000;
        var dates = Enumerable.Repeat(D("2024-01-01"), rows).ToArray();
        var amounts = Enumerable.Repeat<decimal?>(1.5m, rows).ToArray();
        await WriteParquetAsync(dir.Sub("raw/a-wide.parquet"), [Strings("note", Enumerable.Range(0, rows).Select(i => $"n{i}").ToArray()), Dates("txn_date", dates), Amounts("amount", amounts)]);
        await WriteParquetAsync(dir.Sub("raw/b-narrow.parquet"), [Dates("txn_date", dates), Amounts("amount", amounts)]);
        var store = ObjectStore.Open(dir.Sub("raw"));
        var files = await InputDiscovery.ListFilesAsync(store, null, default);

        var units = await InputDiscovery.UnitsAsync(store, files, files, default);

        var narrow = Assert.Single(units, u => u.Key.EndsWith("b-narrow.parquet", StringComparison.Ordinal));
        await using var reader = await InputDiscovery.OpenParquetAsync(store, narrow.Key, default);
        var own = RowGroupFootprint.Estimate(reader.RowGroups[0], reader.Schema.GetDataFields());
        Assert.Equal(own + rows * 17L, narrow.Footprint);
        await AssertEstimatesAsync(dir.Sub("raw"));
    }

    private static async Task AssertEstimatesAsync(string folder)
    {
        var store = ObjectStore.Open(folder);
        var files = await InputDiscovery.ListFilesAsync(store, null, default);
        var units = await InputDiscovery.UnitsAsync(store, files, files, default);
        Assert.NotEmpty(units);
        foreach (var unit in units)
        {
            long held = 0;
            await BatchReader.ReadAsync(store, unit, (batch, _) =>
            {
                using (batch)
                    held = batch.Columns.Sum(HeldBytes);
                return ValueTask.CompletedTask;
            }, default);
            Assert.InRange(unit.Footprint, held, 4 * held);
        }
    }

    /// <summary>The bytes a decoded column's values take: each text value's slice and characters, each other value's size.</summary>
    private static long HeldBytes(Column column) => column switch
    {
        TextColumn text => text.Values.Length * (long)Unsafe.SizeOf<ReadOnlyMemory<char>>() + 2L * Sum(text.Values) + text.Nulls.Length,
        OptionalColumn<decimal> amounts => amounts.Length * 20L,
        RequiredColumn<DateOnly> dates => dates.Length * 4L,
        OptionalColumn<DateOnly> dates => dates.Length * 8L,
        _ => throw new InvalidOperationException($"no size known for {column.GetType().Name}"),
    };

    private static long Sum(ReadOnlySpan<ReadOnlyMemory<char>> values)
    {
        long characters = 0;
        foreach (var value in values)
            characters += value.Length;
        return characters;
    }
}
