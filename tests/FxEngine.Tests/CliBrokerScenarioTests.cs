using System.Diagnostics;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`fxengine broker`, `produce` and `sink` as three separate processes, as on a laptop.</summary>
[Trait("Category", "Cli")]
public class CliBrokerScenarioTests
{
    [Fact]
    public async Task BrokerProduceSink_SeparateProcesses_LandSnapshotsInLake()
    {
        using var dir = new TempDir();
        var start = new ProcessStartInfo(Cli.CliCommand[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
        foreach (var arg in Cli.CliCommand[1..])
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add("broker");
        using var broker = Process.Start(start)!;
        try
        {
            var address = await broker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Matches(@"^127\.0\.0\.1:\d+$", address);

            var produce = await Cli.RunAsync(dir.Path, "produce", "--from", "2024-09-01", "--to", "2024-09-03", "--bootstrap-servers", address!);
            Assert.True(produce.ExitCode == 0, produce.Stderr);
            Assert.Contains("published 3 snapshot(s), skipped 0 already in the lake", produce.Stdout);

            var sink = await Cli.RunAsync(dir.Path, "sink", "--once", "--lake", "lake", "--bootstrap-servers", address!);
            Assert.True(sink.ExitCode == 0, sink.Stderr);
            Assert.Contains("landed 3 snapshot(s), 0 sent to exchange-rates-topic.dlq", sink.Stdout);
            Assert.Equal(SyntheticRatesSource.Render(D("2024-09-02")), File.ReadAllBytes(dir.Sub("lake/exchange_rates/2024-09-02.json")));
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            await broker.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Produce_NoBrokerConfigured_SaysHowToGetOne()
    {
        using var dir = new TempDir();
        var result = await Cli.RunAsync(dir.Path, "produce", "--date", "2024-09-01");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no Kafka bootstrap servers: set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS", result.Stderr);
        Assert.Contains("fxengine broker", result.Stderr);
    }
}
