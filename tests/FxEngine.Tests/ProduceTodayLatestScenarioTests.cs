using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>A backfill that reaches today asks the provider for its latest snapshot for today (a historical file for today is not final), and the historical files for earlier days.</summary>
public class ProduceTodayLatestScenarioTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Synthetic rates that record which endpoint each fetch used.</summary>
    private sealed class RecordingSource : IRatesSource
    {
        private readonly SyntheticRatesSource _inner = new();
        public System.Collections.Concurrent.ConcurrentBag<string> Calls { get; } = [];
        public string Name => "recording";

        public Task<RatesMessage> FetchAsync(DateOnly date, CancellationToken cancellationToken)
        {
            Calls.Add($"historical {date:yyyy-MM-dd}");
            return _inner.FetchAsync(date, cancellationToken);
        }

        public Task<RatesMessage> FetchLatestAsync(CancellationToken cancellationToken)
        {
            Calls.Add("latest");
            return Task.FromResult(RatesMessage.Parse(SyntheticRatesSource.Render(D("2024-05-10")), Name, DateTimeOffset.UtcNow, "recording latest", D("2024-05-10")));
        }
    }

    [Fact]
    public async Task Produce_RangeEndingToday_FetchesTodayFromLatest()
    {
        using var broker = new EmbeddedBroker();
        var source = new RecordingSource();
        var options = new ProduceOptions
        {
            From = D("2024-05-08"), To = D("2024-05-12"),
            Clock = new FixedClock(new DateTimeOffset(2024, 5, 10, 9, 0, 0, TimeSpan.Zero)),
        };

        var result = await ProduceJob.RunAsync(options, source, KafkaTest.Settings(broker, "rates-today"), _ => { }, default);

        Assert.Equal(3, result.Published);
        Assert.Equal(["historical 2024-05-08", "historical 2024-05-09", "latest"], source.Calls.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["2024-05-08", "2024-05-09", "2024-05-10"],
            KafkaTest.ReadAll(broker, "rates-today", 3).Select(r => r.Message.Key!).Order(StringComparer.Ordinal).ToArray());
    }
}
