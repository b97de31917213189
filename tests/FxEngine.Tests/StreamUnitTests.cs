using FxEngine.Streaming;
using FxEngine.Transforms;

namespace FxEngine.Tests;

/// <summary>The stream's small parts: the wait buffer, exponent amounts, rate windows.</summary>
public class StreamUnitTests
{
    private static StreamRow Row(int day, long producedAt, long offset) => new(0, offset, [], day, producedAt);

    [Fact]
    public void WaitBuffer_ReleaseAndExpire_HoldExactlyTheRowsStillWaiting()
    {
        var buffer = new RateWaitBuffer();
        for (var i = 0; i < 1_000; i++)
            buffer.Add(Row(day: 100 + i % 2, producedAt: i, offset: i));

        var expired = buffer.Expire(before: 10);
        var released = buffer.Release(100);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), expired.Select(r => r.Offset));
        Assert.Equal(495, released.Count); // day 100's rows but the five that expired
        Assert.All(released, r => Assert.Equal(100, r.Day));
        Assert.Equal(495, buffer.Count);
        Assert.Equal([(DateOnly.FromDayNumber(101), 495)], buffer.Days);
        Assert.Equal(495, buffer.ReleaseAll().Count);
        Assert.Equal(0, buffer.Count);
        Assert.Empty(buffer.Days);
    }

    [Theory]
    [InlineData("1.25E+3", "1250")]
    [InlineData("1.25e-2", "0.0125")]
    [InlineData("-12e-1", "-1.2")]
    [InlineData("123456789012345678901234567890e-20", "1234567890.12345678901234567890")]
    [InlineData("10.5", "10.5")]
    [InlineData("1e400", "1e400")]
    public void PlainNumber_MovesThePointExactly(string json, string plain) =>
        Assert.Equal(plain, TransactionDecoder.PlainNumber(json));

    [Theory]
    [InlineData("fx_rate")]
    [InlineData("FX_Status")]
    [InlineData("Amount_SGD")]
    public void Decode_FieldNamedLikeAnAddedColumnInAnyCase_InvalidMessage(string field)
    {
        var decoder = new TransactionDecoder(new StreamColumns([]), new ColumnMapping(), "SGD");
        var json = $"{{\"txn_id\":\"t1\",\"txn_date\":\"2024-06-03\",\"currency\":\"EUR\",\"amount\":1,\"{field}\":\"x\"}}";
        var row = decoder.Decode(0, 7, null, System.Text.Encoding.UTF8.GetBytes(json), 0);
        Assert.Equal($"field '{field}' is a column the normalizer adds; rename it", row.Problem);
    }

    [Fact]
    public void RateWindow_CoversOnlyWithEverySnapshotAtLeastAsRecent()
    {
        var then = "2024-06-01@100;2024-06-02@200";
        Assert.True(RateWindow.Covers("2024-06-01@100;2024-06-02@300;2024-06-03@50", then));
        Assert.False(RateWindow.Covers("2024-06-02@300;2024-06-03@50", then)); // 06-01 is gone
        Assert.False(RateWindow.Covers("2024-06-01@100;2024-06-02@150", then)); // an older copy of 06-02
        Assert.Equal("2024-06-01@100;2024-06-02@300", RateWindow.Union(then, "2024-06-02@300"));
    }
}

/// <summary>The offset ledger: what a restart reads again, what it skips, and what a commit records.</summary>
public class OffsetLedgerTests
{
    [Fact]
    public void Restart_ReadsTheUnwrittenRangesAgain_SkipsTheRest_AndRecordsWhatStillWaits()
    {
        var state = new FxEngine.Table.StreamState
        {
            Offsets = new() { [0] = new FxEngine.Table.PartitionOffsets { Next = 10, Unwritten = [[5, 7], [2, 3]] } },
        };
        var ledger = OffsetLedger.From(state);

        Assert.Equal(2, ledger.StartOf(0));
        Assert.Null(ledger.StartOf(1));
        var processed = Enumerable.Range(2, 10).Where(offset => ledger.Consume(0, offset)).ToList();
        Assert.Equal([2, 5, 6, 10, 11], processed);

        // Rows 2 and 5 and 10 are flushed; 6 and 11 still wait for their rates.
        var offsets = ledger.After([(0, 2), (0, 5), (0, 10)]);
        Assert.Equal(12, offsets[0].Next);
        Assert.Equal([[6L, 7L], [11L, 12L]], offsets[0].Unwritten);
        ledger.Committed(offsets, [(0, 2), (0, 5), (0, 10)]);
        Assert.Equal([(0, 6L)], ledger.ResumePoints());
        // The next start resumes at the first row still waiting, and processes only those two.
        var restarted = OffsetLedger.From(new FxEngine.Table.StreamState { Offsets = offsets });
        Assert.Equal(6, restarted.StartOf(0));
        Assert.Equal([6, 11, 12], Enumerable.Range(6, 7).Where(offset => restarted.Consume(0, offset)).ToList());
    }
}
