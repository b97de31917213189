using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Which days a backfill over a lake fetches: missing days, provisional copies, today's refresh; never days after today.</summary>
public class ProduceBackfillPlanTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 10, 14, 20, 0, TimeSpan.Zero); // today is 2024-05-10

    private static DateTimeOffset At(string date, int hour, int minute = 0) =>
        new(D(date).ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    [Fact]
    public void PlanBackfill_CopiesWrittenAfterTheirDayEnded_SkipsThemAndFetchesMissingDays()
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-06")] = new(At("2024-05-07", 0, 30)), [D("2024-05-08")] = new(At("2024-05-10", 9)) };

        var plan = ProduceJob.PlanBackfill(D("2024-05-06"), D("2024-05-09"), landed, Now, force: false);

        Assert.Equal([D("2024-05-07"), D("2024-05-09")], plan.Fetch);
        Assert.Equal([D("2024-05-06"), D("2024-05-08")], plan.Skipped);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void PlanBackfill_CopyWrittenBeforeItsDayEnded_FetchesTheClosingSnapshot()
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-09")] = new(At("2024-05-09", 23, 5)) };

        var plan = ProduceJob.PlanBackfill(D("2024-05-09"), D("2024-05-09"), landed, Now, force: false);

        Assert.Equal([D("2024-05-09")], plan.Fetch);
        Assert.Equal("2024-05-09: the lake's copy was written at 2024-05-09 23:05 UTC, before the day ended (provisional): fetching the day's closing snapshot",
            Assert.Single(plan.Notes));
    }

    [Theory]
    [InlineData(13, 59, true)]  // an earlier hour: the provider may have published a newer latest
    [InlineData(14, 0, false)]  // this hour: the latest has not changed since
    public void PlanBackfill_TodayInTheLake_FetchedAgainOnlyInALaterHour(int hour, int minute, bool fetched)
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-10")] = new(At("2024-05-10", hour, minute)) };

        var plan = ProduceJob.PlanBackfill(D("2024-05-10"), D("2024-05-10"), landed, Now, force: false);

        Assert.Equal(fetched ? [D("2024-05-10")] : [], plan.Fetch);
        Assert.Equal(fetched ? [] : [D("2024-05-10")], plan.Skipped);
    }

    [Fact]
    public void PlanBackfill_DaysAfterToday_NotFetchedAndNoted()
    {
        var plan = ProduceJob.PlanBackfill(D("2024-05-09"), D("2024-05-20"), new Dictionary<DateOnly, ProduceJob.LandedCopy>(), Now, force: false);

        Assert.Equal([D("2024-05-09"), D("2024-05-10")], plan.Fetch);
        Assert.Equal("2024-05-11 to 2024-05-20: after today (UTC), no snapshot exists yet: not fetched", Assert.Single(plan.Notes));
    }

    [Fact]
    public void PlanBackfill_Force_FetchesDaysTheLakeHas()
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-08")] = new(At("2024-05-10", 9)), [D("2024-05-09")] = new(null) };

        var plan = ProduceJob.PlanBackfill(D("2024-05-08"), D("2024-05-09"), landed, Now, force: true);

        Assert.Equal([D("2024-05-08"), D("2024-05-09")], plan.Fetch);
        Assert.Empty(plan.Skipped);
    }

    [Fact]
    public void PlanBackfill_CopyWrittenAfterItsDayButHoldingEarlierRates_FetchesTheClosingSnapshot()
    {
        // A latest fetched at 15:10 that landed after midnight (a lagging sink): written after the day, rates from within it.
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy>
        {
            [D("2024-05-08")] = new(At("2024-05-09", 0, 10)) { RatesOf = At("2024-05-08", 15) },
            [D("2024-05-09")] = new(At("2024-05-10", 2)) { RatesOf = At("2024-05-09", 23) }, // the day's last hour: its closing rates
        };

        var plan = ProduceJob.PlanBackfill(D("2024-05-08"), D("2024-05-09"), landed, Now, force: false);

        Assert.Equal([D("2024-05-08")], plan.Fetch);
        Assert.Equal([D("2024-05-09")], plan.Skipped);
        Assert.Equal("2024-05-08: the lake's copy holds the rates of 2024-05-08 15:00 UTC, before the day's last hour (provisional: a latest that landed late): fetching the day's closing snapshot",
            Assert.Single(plan.Notes));
    }

    [Theory]
    [InlineData("2024-05-08", 19, 0, "2024-05-08", 20, 0, false)]  // not closed yet: today's copy
    [InlineData("2024-05-09", 0, 31, "2024-05-09", 14, 20, true)]  // written just after its day, which closed 14h ago
    [InlineData("2024-05-08", 23, 50, "2024-05-09", 14, 20, false)] // written before its day ended: provisional without a read
    [InlineData("2024-05-09", 0, 31, "2024-05-10", 0, 0, false)]   // a day after the close: final unread
    [InlineData("2024-05-09", 0, 31, "2024-06-10", 14, 20, false)] // a month on: even with early rates, not fetched on every run
    public void ChecksRatesOf_OnlyACopyWrittenAfterItsDayWithinADayOfItsClose(string written, int hour, int minute, string now, int nowHour, int nowMinute, bool checks)
    {
        var copy = new ProduceJob.LandedCopy(At(written, hour, minute));

        Assert.Equal(checks, ProduceJob.ChecksRatesOf(D("2024-05-08"), copy, At(now, nowHour, nowMinute)));
    }

    [Fact]
    public void PlanBackfill_CopyThatIsNotASnapshot_FetchedAgain()
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-08")] = new(At("2024-05-09", 1)) { Unreadable = "not JSON" } };

        var plan = ProduceJob.PlanBackfill(D("2024-05-08"), D("2024-05-08"), landed, Now, force: false);

        Assert.Equal([D("2024-05-08")], plan.Fetch);
        Assert.Equal("2024-05-08: the lake's copy is not a valid snapshot (not JSON): fetching it again", Assert.Single(plan.Notes));
    }

    [Fact]
    public void PlanBackfill_StoreWithoutWriteTimes_KeepsTheLakesCopies()
    {
        var landed = new Dictionary<DateOnly, ProduceJob.LandedCopy> { [D("2024-05-09")] = new(null), [D("2024-05-10")] = new(null) };

        var plan = ProduceJob.PlanBackfill(D("2024-05-09"), D("2024-05-10"), landed, Now, force: false);

        Assert.Empty(plan.Fetch);
        Assert.Equal([D("2024-05-09"), D("2024-05-10")], plan.Skipped);
    }
}
