using FxEngine.Kafka;
using FxEngine.Sinks;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;

namespace FxEngine.Jobs;

/// <summary>Settings of the end-to-end local run, immutable; <see cref="Validate"/> changes nothing.</summary>
public sealed record RunOptions
{
    /// <summary>The lake root. Default: <c>lake</c> in the working directory.</summary>
    public string Lake { get; init; } = "lake";

    /// <summary>Sample rows generated when the lake has no raw transactions. Default 1,000,000.</summary>
    public long SampleRows { get; init; } = 1_000_000;

    /// <summary>Seed of the sample transactions. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Date range of the sample transactions. Default: the 90 days ending yesterday (UTC).</summary>
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }

    /// <summary>The reporting currency. Default SGD.</summary>
    public string Target { get; init; } = "SGD";

    /// <summary>Default 7.</summary>
    public int MaxStaleDays { get; init; } = 7;

    /// <summary>Default: the number of cores.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>The normalization's memory budget in bytes (see <see cref="NormalizeOptions.MemoryBudget"/>).</summary>
    public long MemoryBudget { get; init; } = new NormalizeOptions().MemoryBudget;

    /// <summary>Concurrent rate fetches. Default 4.</summary>
    public int FetchConcurrency { get; init; } = 4;

    /// <summary>How long to wait for another run writing the same output. Default null: fail at once.</summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>
    /// Fetch rates up to today (UTC, its latest snapshot included) even when the transactions end
    /// earlier. Default false: rates for the days the transactions span (today included when
    /// they reach it).
    /// </summary>
    public bool Latest { get; init; }

    /// <summary>Generate sample transactions when the lake has none. Default true; a scheduled job turns it off, so an empty lake fails instead of filling with samples.</summary>
    public bool GenerateSample { get; init; } = true;

    /// <summary>The clock that says which day is today (UTC). Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Recompute every partition of the output. Default false: only what changed.</summary>
    public bool Full { get; init; }

    /// <summary>Fetch rates even for days the lake already has. Default false.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// The Kafka cluster; with no bootstrap servers the run starts an embedded dev broker. The
    /// caller fills it in (the CLI from KAFKA_BOOTSTRAP_SERVERS and FXENGINE_KAFKA_*); the run
    /// derives its own copies (broker address, consumer group) and never changes this one.
    /// </summary>
    public KafkaSettings Kafka { get; init; } = new();

    public string Transactions => ObjectStore.Child(Lake, "raw_transactions");
    public string ProcessedData => ObjectStore.Child(Lake, "processed_data");
    public string RejectedData => ObjectStore.Child(Lake, "rejected_data");
    public string ExchangeRates => ObjectStore.Child(Lake, LakeRatesWriter.Folder.TrimEnd('/'));

    /// <summary>The sample generator's settings, used when the lake has no transactions.</summary>
    public GenerateOptions Sample() => new() { Rows = SampleRows, Output = Transactions, Seed = Seed, From = From, To = To };

    /// <summary>The normalization step's settings.</summary>
    public NormalizeOptions Normalization() => new()
    {
        Rates = ExchangeRates, Input = Transactions, Output = ProcessedData, Rejects = RejectedData,
        Target = Target, MaxStaleDays = MaxStaleDays, Workers = Workers, Wait = Wait, Full = Full, MemoryBudget = MemoryBudget,
    };

    /// <summary>Every step's settings, checked before the run does anything.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Lake))
            throw FxException.InvalidOption("--lake is empty: name the lake root (a folder or s3://bucket/prefix)");
        Sample().Validate();
        Normalization().Validate();
        new ProduceOptions { Concurrency = FetchConcurrency }.Validate();
    }
}
