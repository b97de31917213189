using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// Settings of a normalization run, immutable; <see cref="Validate"/> checks them before any I/O
/// and changes nothing (a normalized value such as <see cref="TargetCode"/> is computed).
/// </summary>
public sealed record NormalizeOptions
{
    /// <summary>Where the rate snapshots are (a lake's <c>exchange_rates/</c> or Kafka Connect output). Required.</summary>
    public string Rates { get; init; } = "";

    /// <summary>Raw transactions: a folder of Parquet and CSV files (Hive partitions allowed) or one file. Required.</summary>
    public string Input { get; init; } = "";

    /// <summary>Where converted rows go, partitioned by <c>txn_date=YYYY-MM-DD/</c>. Replaced by each run. Required.</summary>
    public string Output { get; init; } = "";

    /// <summary>Where rejected rows go. Default: a sibling of the output named <c>&lt;output&gt;_rejects</c>.</summary>
    public string? Rejects { get; init; }

    /// <summary>The reporting currency. Default SGD.</summary>
    public string Target { get; init; } = "SGD";

    /// <summary>How many days back a rate may come from when its day has none. Default 7.</summary>
    public int MaxStaleDays { get; init; } = 7;

    /// <summary>Concurrent workers per stage. Default: the number of cores.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Input column names of the join keys. Default txn_date, currency, amount.</summary>
    public ColumnMapping Columns { get; init; } = new();

    /// <summary>The character between the fields of CSV input (<c>;</c> and tab are common). Default ','.</summary>
    public char CsvDelimiter { get; init; } = ',';

    /// <summary>
    /// Rows every row group of an output file holds at least, except the file's last (a partition
    /// with fewer rows is one row group). Readers pay per row group; a row group is also what one
    /// writer holds in memory while encoding it. Default 131,072.
    /// </summary>
    public int RowGroupRows { get; init; } = 131_072;

    /// <summary>
    /// The memory, in bytes, a run may use for rows: converted rows waiting for their row group
    /// (an eighth), rejected rows (a thirty-second), and input row groups being read and
    /// normalized (the rest): a worker reads one at a time, and no more are read at once than
    /// their decoded size, estimated from the file's footer, fits in that share; one larger than
    /// the share is read alone. Parquet.Net decodes a column chunk whole, so a row group is the
    /// least a run holds however small the budget. Output row groups are encoded beside these.
    /// Waiting rows are held as bytes in blocks their writer reuses, exactly as many as their share
    /// allows; past it, the oldest wait in a local spill file (see <see cref="SpillDirectory"/>),
    /// so the rows held stay within it whatever the input size. The process needs more
    /// (the runtime, Parquet.Net's encoding buffers, the GC's slack): the CLI peaked at about
    /// 335-365 MiB at the default budget on 10M rows with 2 cores (benchmarks/README.md). Default 512 MiB; at least 1 MiB (a tiny budget works, spilling nearly every row).
    /// </summary>
    public long MemoryBudget { get; init; } = 512L << 20;

    /// <summary>
    /// Whether the run asks the GC for a full, non-compacting collection after about every 200k
    /// Parquet rows read, to free the page buffers Parquet.Net leaves behind as large objects
    /// (without it the peak grows with the input: 20M rows 526-537 MiB against 452-464). It is
    /// cheap in the CLI's process, whose heap is nearly all arrays of values; a service that embeds
    /// the normalizer beside a large heap of its own may turn it off and accept the higher peak.
    /// Default true.
    /// </summary>
    public bool CollectReadBuffers { get; init; } = true;

    /// <summary>
    /// Where spilled rows wait (files named <c>fxengine-spill-&lt;pid&gt;-&lt;host&gt;-*.tmp</c>, deleted when
    /// the run ends however it ends, and a killed run's by the next run). Default: the system temp folder.
    /// </summary>
    public string? SpillDirectory { get; init; }

    /// <summary>Bytes of memory converted rows wait in before the oldest move to the spill file.</summary>
    internal long RowBufferBytes => MemoryBudget / 8;

    /// <summary>Bytes of memory rejected rows wait in before the oldest move to the spill file.</summary>
    internal long RejectBufferBytes => MemoryBudget / 32;

    /// <summary>
    /// Bytes the input row groups being read and normalized at once are estimated to take: the
    /// rest of the budget. A row group larger than that is read alone.
    /// </summary>
    internal long ReadBytes => MemoryBudget - RowBufferBytes - RejectBufferBytes;

    /// <summary>
    /// How long to wait for another run writing the same output or rejects to finish. Default
    /// null: fail at once, naming that run.
    /// </summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>The target as a code: <see cref="Target"/> trimmed and upper-cased.</summary>
    public string TargetCode => Target.Trim().ToUpperInvariant();

    /// <summary>
    /// Recompute and replace every partition, whatever the table state says. Default false: only
    /// the partitions whose inputs, rates or settings changed since the last commit.
    /// </summary>
    public bool Full { get; init; }

    public string RejectsLocation => string.IsNullOrWhiteSpace(Rejects)
        ? ObjectStore.Sibling(Output, $"{LastSegment(Output)}_rejects")
        : Rejects;

    private const long MinMemoryBudget = 1L << 20;
    private const long MaxMemoryBudget = 1L << 40;

    public void Validate()
    {
        Require(Rates, "--rates", "the rate snapshots");
        Require(Input, "--input", "the raw transactions");
        Require(Output, "--output", "the converted output");
        ConversionChecks.Validate(TargetCode, MaxStaleDays, Columns, "input column");
        if (Workers is < 1 or > 256)
            throw FxException.InvalidOption($"--workers {Workers} is out of range; use 1 to 256");
        if (Wait is { } wait && (wait < TimeSpan.Zero || wait > TimeSpan.FromDays(1)))
            throw FxException.InvalidOption($"--wait {wait} is out of range; use 0s to 1d");
        if (RowGroupRows < 1)
            throw FxException.InvalidOption("row group rows must be positive");
        if (MemoryBudget is < MinMemoryBudget or > MaxMemoryBudget)
            throw FxException.InvalidOption($"--memory-budget of {MemoryBudget:N0} bytes is out of range; use 1MiB to 1TiB (a bare number is bytes: 512 is not 512MiB)");
        if (CsvDelimiter is '"' or '\r' or '\n')
            throw FxException.InvalidOption("--csv-delimiter cannot be a double quote or a line break; use one like ',', ';' or '\\t'");
        // Each run replaces what it finds at the output and rejects locations, so neither may
        // hold, or sit inside, anything the run reads or the other writes.
        foreach (var (name, written) in new[] { ("--output", Output), ("--rejects", RejectsLocation) })
            foreach (var (otherName, other) in new[] { ("--input", Input), ("--rates", Rates), ("--output", Output), ("--rejects", RejectsLocation) })
                if (name != otherName && ObjectStore.Overlap(written, other))
                    throw FxException.InvalidOption($"{name} {written} overlaps {otherName} {other}: " +
                        "use separate folders (e.g. lake/processed_data next to lake/raw_transactions)");
    }

    private static void Require(string value, string option, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw FxException.InvalidOption($"{option} is required: the location of {what}");
    }

    private static string LastSegment(string location)
    {
        var trimmed = location.TrimEnd('/', '\\');
        return trimmed[(trimmed.LastIndexOfAny(['/', '\\']) + 1)..];
    }
}
