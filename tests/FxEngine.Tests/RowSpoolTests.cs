using FxEngine.Storage;

namespace FxEngine.Tests;

/// <summary>
/// Waiting rows are bytes in reused blocks: memory stays within the budget however much is
/// appended, the oldest bytes move to the spill file, and every record reads back exactly as
/// appended, from memory or from the file, while appends go on beside the reads.
/// </summary>
public class RowSpoolTests
{
    private const long Budget = 64 << 10; // 16 blocks of 4 KiB

    [Fact]
    public void Append_FarBeyondTheBudget_MemoryStaysWithinItAndEveryRecordAndPartOfOneReadsBackExactly()
    {
        using var dir = new TempDir();
        using var spool = new RowSpool(Budget, dir.Sub("spill"));
        var random = new Random(11);
        var appended = new List<(RowSpool.Record Record, byte[] Bytes)>();
        for (var i = 0; i < 400; i++)
        {
            // From a few bytes to several blocks, so records straddle block boundaries.
            var bytes = new byte[random.Next(1, 20_000)];
            random.NextBytes(bytes);
            appended.Add((spool.Append(bytes), bytes));
            Assert.InRange(spool.MemoryBytes, 0, Budget);
        }

        Assert.True(spool.SpilledBytes > 0, "far more than the budget was appended: blocks must have moved to the file");
        Assert.Single(Directory.GetFiles(dir.Sub("spill")));
        foreach (var (record, bytes) in appended)
        {
            var read = new byte[record.Length];
            spool.Read(record, 0, read);
            Assert.Equal(bytes, read);
            // A column is read from inside its record.
            var (from, length) = (bytes.Length / 3, bytes.Length / 2);
            var part = new byte[length];
            spool.Read(record, from, part);
            Assert.Equal(bytes.AsSpan(from, length).ToArray(), part);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => spool.Read(appended[0].Record, 1, new byte[appended[0].Record.Length]));
    }

    [Fact]
    public void Release_EveryRecord_FreesAllMemoryAndNewRecordsStillReadBack()
    {
        using var dir = new TempDir();
        using var spool = new RowSpool(Budget, dir.Sub("spill"));
        var records = Enumerable.Range(0, 50).Select(i => spool.Append(Enumerable.Repeat((byte)i, 3_000).ToArray())).ToList();
        Assert.True(spool.MemoryBytes > 0);

        foreach (var record in records)
            spool.Release(record);

        Assert.Equal(0, spool.MemoryBytes);
        var again = spool.Append([7, 8, 9]);
        var read = new byte[3];
        spool.Read(again, 0, read);
        Assert.Equal([7, 8, 9], read);
    }

    [Fact]
    public async Task Read_WhileAnotherThreadAppendsAndEvicts_EveryRecordReadsBackExactly()
    {
        using var dir = new TempDir();
        using var spool = new RowSpool(Budget, dir.Sub("spill"));
        var ready = new System.Collections.Concurrent.BlockingCollection<(RowSpool.Record Record, byte Fill, int Length)>();
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var length = 1 + i * 37 % 9_000;
                ready.Add((spool.Append(Enumerable.Repeat((byte)i, length).ToArray()), (byte)i, length));
            }
            ready.CompleteAdding();
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var checkedRecords = 0;
            foreach (var (record, fill, length) in ready.GetConsumingEnumerable())
            {
                var read = new byte[length];
                spool.Read(record, 0, read);
                Assert.All(read, b => Assert.Equal(fill, b));
                spool.Release(record);
                checkedRecords++;
            }
            return checkedRecords;
        })).ToList();

        await writer;
        Assert.Equal(2_000, (await Task.WhenAll(readers)).Sum());
        Assert.Equal(0, spool.MemoryBytes);
    }

    [Fact]
    public void EndAppends_RecordsStillReadBackAndNoneCanBeAdded()
    {
        using var dir = new TempDir();
        using var spool = new RowSpool(Budget, dir.Sub("spill"));
        var records = Enumerable.Range(0, 40).Select(i => (Record: spool.Append(Enumerable.Repeat((byte)i, 3_000).ToArray()), Fill: (byte)i)).ToList();

        spool.EndAppends();

        Assert.Throws<InvalidOperationException>(() => spool.Append([1]));
        foreach (var (record, fill) in records)
        {
            var read = new byte[record.Length];
            spool.Read(record, 0, read);
            Assert.All(read, b => Assert.Equal(fill, b));
            spool.Release(record);
        }
        Assert.Equal(0, spool.MemoryBytes);
    }

    [Fact]
    public void Dispose_AfterSpilling_DeletesTheSpillFile()
    {
        using var dir = new TempDir();
        var spool = new RowSpool(Budget, dir.Sub("spill"));
        for (var i = 0; i < 100; i++)
            spool.Append(new byte[5_000]);
        Assert.True(spool.SpilledBytes > 0);

        spool.Dispose();

        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
    }
}
