using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>A run reads each input file's footer once: discovery's reader serves the row groups after it.</summary>
public class ParquetFilesTests
{
    [Fact]
    public async Task UnitsThenRead_EveryRowGroup_EachFooterReadOnce()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 40_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-05"), RowGroupRows = 5_000, RowsPerFile = 20_000,
        });
        var store = ObjectStore.Open(dir.Sub("raw"));
        var files = await InputDiscovery.ListFilesAsync(store, null, default);
        await using var parquet = new ParquetFiles(store);

        var units = await InputDiscovery.UnitsAsync(store, files, files, default, parquet);
        var batches = System.Threading.Channels.Channel.CreateUnbounded<FxEngine.Data.ColumnBatch>();
        foreach (var unit in units)
            await BatchReader.ReadAsync(store, unit, batches.Writer, default, ',', parquet);
        batches.Writer.Complete();
        var rows = 0;
        await foreach (var batch in batches.Reader.ReadAllAsync())
        {
            rows += batch.RowCount;
            batch.Dispose();
        }

        Assert.Equal(2, files.Count);
        Assert.Equal(8, units.Count);
        Assert.Equal(40_000, rows);
        Assert.Equal(0, parquet.Opened); // discovery opened both files; no row group reopened one
    }
}
