using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Streaming;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// 200k transactions over 30 days on a 4-partition topic while the rate snapshots arrive out
/// of order (some days only after their transactions, one day never): the stream's table equals
/// a full batch run over the same rows and snapshots, row for row, with no row missing or twice.
/// </summary>
public class StreamEqualsBatchScenarioTests
{
    [Fact]
    public async Task Stream_WithLateAndOutOfOrderRates_EqualsFullBatchRun()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var from = D("2024-03-01");
        var rows = StreamTest.Transactions(200_000, from, 30, seed: 7);
        var byDay = rows.GroupBy(r => r.CsvLine.Split(',')[1]).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var never = from.AddDays(17); // its rows take the as-of rule from the day before
        var rateDays = Enumerable.Range(-3, 33).Select(from.AddDays).Where(d => d != never).ToList();
        var log = KafkaTest.Log();
        var options = new StreamOptions { Lake = lake, FlushEvery = TimeSpan.FromMilliseconds(500) };

        // The first ten days' snapshots, newest first; the rest come after their day's transactions.
        StreamTest.ProduceRates(producer, options.RatesTopic, rateDays.Take(13).Reverse());
        using var stop = new CancellationTokenSource();
        var stream = StreamJob.RunAsync(options, kafka, log.Enqueue, null, stop.Token);
        foreach (var day in byDay)
        {
            StreamTest.Produce(producer, options.Topic, day);
            StreamTest.ProduceRates(producer, options.RatesTopic, rateDays.Skip(13).Where(d => d.ToString("yyyy-MM-dd") == day.Key));
        }
        var expectedWaiting = byDay.Single(d => d.Key == never.ToString("yyyy-MM-dd")).Count();
        await StreamTest.WaitUntilAsync(() => stream.IsCompleted || StreamTest.Committed(lake) >= rows.Count - expectedWaiting, TimeSpan.FromMinutes(3),
            () => $"{StreamTest.Committed(lake)} committed; {string.Join(" | ", log.TakeLast(5))}");
        stop.Cancel();
        var first = await stream;
        Assert.Equal(rows.Count - expectedWaiting, StreamTest.Committed(lake));

        // The day with no snapshot still waits (grace 10 min): --once reads it again and applies the as-of rule.
        var once = await StreamJob.RunAsync(options with { Once = true }, kafka, log.Enqueue, null, default);
        Assert.Equal(expectedWaiting, once.RowsIn);

        var reference = await StreamTest.BatchReferenceAsync(dir, rows, rateDays);
        var actual = StreamTest.LakeRows(lake);
        Assert.Equal(rows.Count, actual.Count);
        Assert.Equal(reference, actual);
        Assert.True(first.Flushes > 1, $"{first.Flushes} flush(es)");
        Assert.DoesNotContain(Directory.GetFiles(lake, "*.parquet", SearchOption.AllDirectories), f => f.Contains("_fxengine", StringComparison.Ordinal));
    }
}
