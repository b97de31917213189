using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>Settings of <c>fxengine stream</c>, immutable; <see cref="Validate"/> checks them before any I/O.</summary>
public sealed record StreamOptions
{
    /// <summary>--lake: rows land in <c>&lt;lake&gt;/processed_data/</c> and <c>&lt;lake&gt;/rejected_data/</c>, the table batch runs write. Required.</summary>
    public string Lake { get; init; } = "";

    /// <summary>--topic: the transactions topic. Default transactions.</summary>
    public string Topic { get; init; } = "transactions";

    /// <summary>--rates-topic, read from its beginning and kept current. Default exchange-rates-topic.</summary>
    public string RatesTopic { get; init; } = "exchange-rates-topic";

    /// <summary>--group: the consumer group, whose offsets are informational (a restart resumes from the table state). Default fxengine-stream.</summary>
    public string Group { get; init; } = "fxengine-stream";

    public string Target { get; init; } = "SGD";

    public int MaxStaleDays { get; init; } = 7;

    /// <summary>--grace: how long a transaction whose day has no snapshot yet waits for one before the as-of rule. Default 10 minutes.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>--flush-every: how often converted rows are committed to the lake. Default 10 s.</summary>
    public TimeSpan FlushEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>--once: read up to the end offsets seen at start, convert what still waits by the as-of rule, commit and exit.</summary>
    public bool Once { get; init; }

    /// <summary>Rows held waiting for rates before the consumer pauses. Default 500,000 (about 100 MB).</summary>
    public int MaxWaitingRows { get; init; } = 500_000;

    /// <summary>Converted rows buffered before a flush is forced, whatever --flush-every says. Default 200,000.</summary>
    public int MaxBufferedRows { get; init; } = 200_000;

    public ColumnMapping Columns { get; init; } = new();

    /// <summary>A streamed partition that no flush touches any more is compacted into one file once it has more than this many. Default 64.</summary>
    public int CompactAfterFiles { get; init; } = 64;

    /// <summary>--output-topic: each converted row as JSON, produced after its lake commit (at least once). Default: none.</summary>
    public string? OutputTopic { get; init; }

    /// <summary>--wait: how long to wait for another stream on the same table to stop; default: fail at once naming it.</summary>
    public TimeSpan? Wait { get; init; }

    public string TargetCode => Target.Trim().ToUpperInvariant();

    public string Output => ObjectStore.Child(Lake, "processed_data");

    public string Rejects => ObjectStore.Child(Lake, "rejected_data");

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Lake))
            throw FxException.InvalidOption("--lake is required: the lake whose processed_data/ and rejected_data/ the stream appends to");
        foreach (var (name, value) in new[] { ("--topic", Topic), ("--rates-topic", RatesTopic), ("--group", Group) })
            if (string.IsNullOrWhiteSpace(value))
                throw FxException.InvalidOption($"{name} is empty");
        if (OutputTopic is { } output && (output == Topic || output == RatesTopic || string.IsNullOrWhiteSpace(output)))
            throw FxException.InvalidOption($"--output-topic '{output}' must name a topic of its own, not the transactions or rates topic");
        if (Topic == RatesTopic)
            throw FxException.InvalidOption($"--topic and --rates-topic are both '{Topic}': transactions and rates need topics of their own");
        ConversionChecks.Validate(TargetCode, MaxStaleDays, Columns, "message field");
        if (Grace < TimeSpan.Zero || Grace > TimeSpan.FromDays(7))
            throw FxException.InvalidOption($"--grace {Grace} is out of range; use 0s to 7d");
        if (FlushEvery < TimeSpan.FromMilliseconds(100) || FlushEvery > TimeSpan.FromHours(1))
            throw FxException.InvalidOption($"--flush-every {FlushEvery} is out of range; use 100ms to 1h");
        if (MaxWaitingRows < 1 || MaxBufferedRows < 1 || CompactAfterFiles < 1)
            throw FxException.InvalidOption("the waiting and buffered row limits and the compaction threshold must be positive");
    }
}
