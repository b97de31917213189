using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// `sink --once` right after a sink was killed: the dead member still holds its partitions
/// until its session times out (20 s here, longer than the old 15 s give-up), so --once must
/// wait for them and then drain everything, never report "nothing to drain" over a full topic.
/// </summary>
[Trait("Category", "Cli")]
public class SinkOnceAfterCrashScenarioTests
{
    [Fact]
    public async Task SinkOnce_AfterKill9_WaitsForPartitionsAndDrainsTopic()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-crash");
        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-10-01"), To = D("2024-10-03") }, new SyntheticRatesSource(), kafka, _ => { }, default);
        string[] args = ["sink", "--lake", "lake", "--bootstrap-servers", broker.BootstrapServers, "--topic", "rates-crash", "--group", "crash-group"];

        using (var sink = Cli.Start(dir.Path, new Dictionary<string, string?>
        {
            ["FXENGINE_KAFKA_SESSION_TIMEOUT_MS"] = "20000",
            ["FXENGINE_KAFKA_HEARTBEAT_INTERVAL_MS"] = "1000",
        }, args))
        {
            var landed = 0;
            await Cli.WaitForLineAsync(sink, line => line.Contains(": wrote ", StringComparison.Ordinal) && ++landed == 3, TimeSpan.FromMinutes(1));
            sink.Kill();
            await sink.WaitForExitAsync();
        }
        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-10-04"), To = D("2024-10-06") }, new SyntheticRatesSource(), kafka, _ => { }, default);

        var once = await Cli.RunAsync(dir.Path, [.. args, "--once"]);

        Assert.True(once.ExitCode == 0, once.Stderr);
        // At least the three new ones: a message landed just before the kill, but not yet
        // committed, is delivered again and rewritten with the same bytes.
        var drained = int.Parse(System.Text.RegularExpressions.Regex.Match(once.Stdout, @"landed (\d+) snapshot").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(drained, 3, 6);
        Assert.Equal(6, Directory.GetFiles(dir.Sub("lake/exchange_rates"), "*.json").Length);
    }
}
