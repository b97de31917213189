using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// SIGTERM to a running sink: it stops between messages, leaves the consumer group (its
/// partitions are revoked), reports what it landed and exits 130.
/// </summary>
[Trait("Category", "Cli")]
public class SinkSignalScenarioTests
{
    [Fact]
    public async Task Sink_Sigterm_Exit130AfterLeavingGroup()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = KafkaTest.Settings(broker, "rates-sigterm");
        await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-11-01"), To = D("2024-11-02") }, new SyntheticRatesSource(), kafka, _ => { }, default);
        string[] args = ["sink", "--lake", "lake", "--bootstrap-servers", broker.BootstrapServers, "--topic", "rates-sigterm", "--group", "sigterm-group"];

        using var sink = Cli.Start(dir.Path, new Dictionary<string, string?>(), args);
        var landed = 0;
        await Cli.WaitForLineAsync(sink, line => line.Contains(": wrote ", StringComparison.Ordinal) && ++landed == 2, TimeSpan.FromMinutes(1));
        Cli.Signal(sink, 15);
        var stdout = await sink.StandardOutput.ReadToEndAsync();
        var stderr = await sink.StandardError.ReadToEndAsync();
        await sink.WaitForExitAsync();

        Assert.Equal(130, sink.ExitCode);
        Assert.Contains("landed 2 snapshot(s)", stdout);
        Assert.Contains("cancelled", stderr);
        Assert.Contains("revoked rates-sigterm[0]", stderr);
        Assert.Equal(2, Directory.GetFiles(dir.Sub("lake/exchange_rates"), "*.json").Length);
    }
}
