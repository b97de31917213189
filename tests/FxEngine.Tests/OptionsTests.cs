using System.Collections;
using FxEngine.Cli;
using FxEngine.Jobs;
using FxEngine.Kafka;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Options are values: validating them changes nothing, and produce's rules live in its options.</summary>
public class OptionsTests
{
    [Fact]
    public void NormalizeOptionsValidate_PaddedLowerCaseTarget_LeavesTargetAndComputesCode()
    {
        var options = new NormalizeOptions { Rates = "r", Input = "i", Output = "o", Target = " sgd " };
        var before = options with { };

        options.Validate();

        Assert.Equal(before, options);
        Assert.Equal(" sgd ", options.Target);
        Assert.Equal("SGD", options.TargetCode);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L << 19)]
    [InlineData((1L << 40) + 1)]
    public void NormalizeOptionsValidate_MemoryBudgetOutOfRange_ThrowsNamingTheOption(long budget)
    {
        var options = new NormalizeOptions { Rates = "r", Input = "i", Output = "o", MemoryBudget = budget };

        var error = Assert.Throws<FxException>(options.Validate);

        Assert.Contains("--memory-budget", error.Message);
    }

    [Theory]
    [InlineData("512MB", 512L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("64m", 64L << 20)]
    [InlineData("1048576", 1L << 20)]
    public void CliParse_MemoryBudgetSizes_AreBinaryUnits(string text, long bytes)
    {
        var parsed = Commands.Normalize().Parse(["--rates", "r", "--input", "i", "--output", "o", "--memory-budget", text]);

        Assert.Empty(parsed.Errors);
        Assert.Equal(bytes, parsed.GetValue<long?>("--memory-budget"));
    }

    [Theory]
    [InlineData("1.5GB")]
    [InlineData("lots")]
    [InlineData("12 parsecs")]
    public void CliParse_MemoryBudgetNotASize_IsAUsageErrorNamingTheOption(string text)
    {
        var parsed = Commands.Normalize().Parse(["--rates", "r", "--input", "i", "--output", "o", "--memory-budget", text]);

        Assert.Contains(parsed.Errors, e => e.Message.Contains("--memory-budget", StringComparison.Ordinal));
    }

    [Fact]
    public void RunOptionsValidate_ValidOptions_ChangeNothingIncludingKafka()
    {
        var kafka = new KafkaSettings { Topic = "t" };
        var options = new RunOptions { Target = "eur", Kafka = kafka };
        var before = options with { };

        options.Validate();

        Assert.Equal(before, options);
        Assert.Same(kafka, options.Kafka);
        Assert.Equal("", kafka.BootstrapServers);
    }

    [Fact]
    public void NormalizeOptionsValidate_UnknownTarget_ThrowsInvalidOptionNamingTheCode()
    {
        var error = Assert.Throws<FxException>(() => new NormalizeOptions { Rates = "r", Input = "i", Output = "o", Target = " xxq" }.Validate());
        Assert.Equal(FxErrorCode.InvalidOption, error.Code);
        Assert.Equal("--target 'XXQ' is not an ISO 4217 currency code; use one like SGD, USD or EUR", error.Message);
    }

    [Theory]
    [InlineData("2024-01-01", "2024-01-01", null, false, "--date and --from/--to cannot be combined")]
    [InlineData("2024-01-01", null, "2024-01-02", false, "--date and --from/--to cannot be combined")]
    [InlineData("2024-01-01", null, null, true, "--latest publishes today's snapshot; it cannot be combined with --date or --from/--to")]
    [InlineData(null, "2024-01-01", "2024-01-02", true, "--latest publishes today's snapshot; it cannot be combined with --date or --from/--to")]
    [InlineData(null, "2024-01-01", null, false, "--from and --to go together (or use --date for one day)")]
    [InlineData(null, "2024-01-03", "2024-01-02", false, "--from 2024-01-03 is after --to 2024-01-02")]
    public void ProduceOptionsValidate_ConflictingDays_ThrowsInvalidOption(string? date, string? from, string? to, bool latest, string expected)
    {
        var options = new ProduceOptions { Date = Day(date), From = Day(from), To = Day(to), Latest = latest };
        var error = Assert.Throws<FxException>(options.Validate);
        Assert.Equal(FxErrorCode.InvalidOption, error.Code);
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void ProduceOptionsValidate_OneDate_PublishesThatDayOnly()
    {
        var options = new ProduceOptions { Date = D("2024-05-06") };
        options.Validate();
        Assert.Equal((D("2024-05-06"), D("2024-05-06")), (options.FirstDay!.Value, options.LastDay!.Value));
        Assert.False(options.PublishesLatest);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ProduceOptionsValidate_NoDays_PublishesLatest(bool latest)
    {
        var options = new ProduceOptions { Latest = latest };
        options.Validate();
        Assert.True(options.PublishesLatest);
    }

    [Fact]
    public void EnvironmentSettingsKafka_Variables_MapsBootstrapAndPassThroughSettings()
    {
        var variables = new Hashtable
        {
            ["KAFKA_BOOTSTRAP_SERVERS"] = "b1:9092,b2:9092",
            ["FXENGINE_KAFKA_SASL_MECHANISM"] = "SCRAM-SHA-512",
            ["FXENGINE_KAFKA_"] = "ignored: no name",
            ["OTHER"] = "x",
        };

        var kafka = EnvironmentSettings.Kafka(variables);

        Assert.Equal("b1:9092,b2:9092", kafka.BootstrapServers);
        Assert.Equal(new Dictionary<string, string> { ["sasl.mechanism"] = "SCRAM-SHA-512" }, kafka.Client);
    }

    private static DateOnly? Day(string? text) => text is null ? null : D(text);
}
