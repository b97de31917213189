using FxEngine.Kafka;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// `fxengine stream` killed with SIGKILL at five random moments while transactions keep
/// arriving, restarted each time, then `--once`: every transaction is in the table exactly once
/// and the table equals a full batch run. A kill can land while a flush stages its files, between
/// its state write and its moves, or between flushes: the next start must finish or drop each.
/// </summary>
[Trait("Category", "Cli")]
public class StreamKillScenarioTests
{
    [Fact]
    public async Task Stream_KilledFiveTimesWhileInputArrives_HoldsEveryRowOnce()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var from = D("2024-05-01");
        var rateDays = Enumerable.Range(-7, 20).Select(from.AddDays).ToList();
        var rows = StreamTest.Transactions(60_000, from, 12, seed: 11);
        StreamTest.ProduceRates(producer, "exchange-rates-topic", rateDays);
        string[] args = ["stream", "--bootstrap-servers", broker.BootstrapServers, "--lake", "lake", "--flush-every", "0.2s"];

        var feeding = Task.Run(async () =>
        {
            foreach (var chunk in rows.Chunk(1_000))
            {
                StreamTest.Produce(producer, "transactions", chunk);
                await Task.Delay(200);
            }
        });
        var random = new Random(5);
        for (var kill = 0; kill < 5; kill++)
        {
            using var stream = Cli.Start(dir.Path, new Dictionary<string, string?>(), args);
            await Cli.WaitForLineAsync(stream, line => line.Contains("reading [", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            // Every other run dies just after a commit (mid-way through the next flush's staging or
            // commit), the others at a random moment: each stop the next start must repair.
            if (kill % 2 == 0)
            {
                var before = StreamTest.Committed(dir.Sub("lake"));
                await StreamTest.WaitUntilAsync(() => StreamTest.Committed(dir.Sub("lake")) > before || stream.HasExited || feeding.IsCompleted,
                    TimeSpan.FromMinutes(1), () => "no commit");
            }
            await Task.Delay(random.Next(50, 1_200));
            stream.Kill();
            await stream.WaitForExitAsync();
        }
        await feeding;

        var once = await Cli.RunAsync(dir.Path, [.. args, "--once"]);

        Assert.True(once.ExitCode == 0, once.Stderr);
        var actual = StreamTest.LakeRows(dir.Sub("lake"));
        Assert.Equal(rows.Count, actual.Count);
        Assert.Equal(rows.Count, actual.Select(r => r.Split('|')[0]).Distinct().Count());
        Assert.Equal(await StreamTest.BatchReferenceAsync(dir, rows, rateDays), actual);
    }
}

/// <summary>SIGTERM: the stream commits what it has converted, then exits 130; a restart reads nothing twice.</summary>
[Trait("Category", "Cli")]
public class StreamSignalScenarioTests
{
    [Fact]
    public async Task Sigterm_CommitsConvertedRowsAndExits130()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var day = D("2024-09-02");
        var rows = StreamTest.Transactions(5_000, day, 1, seed: 8);
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        StreamTest.Produce(producer, "transactions", rows);
        string[] args = ["stream", "--bootstrap-servers", broker.BootstrapServers, "--lake", "lake", "--flush-every", "1h"];

        using var stream = Cli.Start(dir.Path, new Dictionary<string, string?>(), args);
        await Cli.WaitForLineAsync(stream, line => line.StartsWith($"stream: {rows.Count:N0} read", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        Assert.Equal(0, StreamTest.Committed(dir.Sub("lake"))); // nothing flushed yet: the interval is an hour
        Cli.Signal(stream, 15);
        await stream.WaitForExitAsync();

        Assert.Equal(130, stream.ExitCode);
        Assert.Equal(rows.Count, StreamTest.Committed(dir.Sub("lake")));
        var again = await Cli.RunAsync(dir.Path, [.. args, "--once"]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("read 0 transaction(s)", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(rows.Count, StreamTest.LakeRows(dir.Sub("lake")).Count);
    }
}
