using FxEngine.Storage;
using FxEngine.Table;

namespace FxEngine.Tests;

/// <summary>
/// The table's documents are read with source-generated JSON (the CLI runs ahead-of-time
/// compiled, without reflection): a field an older file lacks keeps its initializer, never null.
/// </summary>
public class TableDocumentJsonTests
{
    [Fact]
    public async Task TableState_FieldsAbsent_KeepTheirDefaults()
    {
        using var dir = new TempDir();
        var store = ObjectStore.Open(dir.Path);
        await store.WriteAllAsync(TableState.Key, """{"run_id":"r1","partitions":{"2024-01-01":{"rows_out":5}},"stream":{"topic":"t"}}"""u8.ToArray());

        var state = Assert.IsType<TableState>(await TableState.LoadAsync(store, CancellationToken.None));

        Assert.Equal(TableState.CurrentVersion, state.Version);
        Assert.Empty(state.Files);
        Assert.Equal("", state.Settings);
        Assert.Equal(5, state.Partitions["2024-01-01"].RowsOut);
        Assert.Equal("", state.Partitions["2024-01-01"].Rates);
        Assert.Empty(state.Stream!.Offsets);
        Assert.Empty(state.Stream.Columns);
        Assert.Empty(state.Stream.Unpublished);
    }

    [Fact]
    public async Task TableStateAndIntent_SavedWithAByteOrderMark_ReadAsWithout()
    {
        // An editor's UTF-8 byte-order mark: the documents are read whole, not through a stream that would skip it.
        using var dir = new TempDir();
        var store = ObjectStore.Open(dir.Path);
        await store.WriteAllAsync(TableState.Key, (byte[])[.. "\uFEFF"u8, .. """{"run_id":"r1"}"""u8]);
        await store.WriteAllAsync(PendingCommit.Key, (byte[])[.. "\uFEFF"u8, .. """{"run_id":"r2","partitions":["2024-01-01"]}"""u8]);

        Assert.Equal("r1", (await TableState.LoadAsync(store, CancellationToken.None))!.RunId);
        Assert.Equal(["2024-01-01"], (await PendingCommit.LoadAsync(store, CancellationToken.None))!.Partitions);
        Assert.Null(await TableState.LoadAsync(ObjectStore.Open(dir.Sub("none")), CancellationToken.None));
    }

    [Fact]
    public async Task TableState_WrittenThenRead_SameState()
    {
        using var dir = new TempDir();
        var store = ObjectStore.Open(dir.Path);
        var state = new TableState
        {
            RunId = "r2",
            Files = new(StringComparer.Ordinal) { ["raw/a.parquet"] = new InputFileState { Size = 10, Version = "v", Partitions = ["2024-01-02"] } },
            Stream = new StreamState { Topic = "t", Offsets = new() { [0] = new PartitionOffsets { Next = 7, Unwritten = [[2, 3]] } } },
        };
        await store.WriteAllAsync(TableState.Key, state.ToJson());

        var read = Assert.IsType<TableState>(await TableState.LoadAsync(store, CancellationToken.None));

        Assert.Equal(state.ToJson(), read.ToJson());
        Assert.Equal(["2024-01-02"], read.Files["raw/a.parquet"].Partitions);
        Assert.Equal([2L, 3L], Assert.Single(read.Stream!.Offsets[0].Unwritten));
    }

    [Fact]
    public async Task PendingCommit_PartitionsAbsent_MeansTheWholeTable()
    {
        using var dir = new TempDir();
        var store = ObjectStore.Open(dir.Path);
        await store.WriteAllAsync(PendingCommit.Key, """{"run_id":"r3"}"""u8.ToArray());

        var pending = Assert.IsType<PendingCommit>(await PendingCommit.LoadAsync(store, CancellationToken.None));

        Assert.Equal("r3", pending.RunId);
        Assert.Null(pending.Partitions);
    }
}
