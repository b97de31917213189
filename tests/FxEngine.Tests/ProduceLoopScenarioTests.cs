using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`produce --every`: a failed round is reported and the loop goes on; cancellation stops it cleanly.</summary>
public class ProduceLoopScenarioTests
{
    [Fact]
    public async Task Produce_Every_SurvivesAFailedRoundAndStopsOnCancel()
    {
        using var broker = new EmbeddedBroker();
        using var oxr = new OxrServer();
        using var http = new HttpClient();
        oxr.Script("latest.json",
            OxrServer.Error(503, "server_error", "Down for maintenance."),
            new OxrServer.Reply(200, SnapshotJson(D("2024-10-01"), ("SGD", "1.31"))));
        var source = new OpenExchangeRatesSource(http, new OpenExchangeRatesOptions { AppId = "secret-app-id", BaseAddress = oxr.BaseAddress, MaxAttempts = 1 });
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var loop = ProduceJob.RunAsync(new ProduceOptions { Every = TimeSpan.FromSeconds(1) }, source, KafkaTest.Settings(broker, "rates-loop"), line =>
        {
            log.Enqueue(line);
            if (line.StartsWith("published ", StringComparison.Ordinal))
                stop.Cancel();
        }, stop.Token);
        var published = await loop;

        Assert.Equal(1, published.Published);
        Assert.Contains(log, line => line.Contains("this round failed: Open Exchange Rates latest.json: HTTP 503"));
        Assert.Contains("stopping: flushing the producer", log);
        Assert.DoesNotContain(log, line => line.Contains("secret-app-id"));
        Assert.Equal("2024-10-01", KafkaTest.ReadAll(broker, "rates-loop", 1).Single().Message.Key);
    }
}
