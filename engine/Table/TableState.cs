using System.Text.Json;
using System.Text.Json.Serialization;
using FxEngine.Storage;

namespace FxEngine.Table;

/// <summary>
/// What fed each partition of an output table, kept in <c>_fxengine/state.json</c> beside the
/// data and replaced in the same commit as the partitions it describes: the input files (size,
/// version, the days they hold), each partition's rate fingerprint and row counts, and the
/// settings. The next run compares it with what is there now and recomputes only what changed.
/// Its properties (and those of the records in it) are settable, not init-only: source-generated
/// JSON sets an absent init-only property to its type's default, where a setter keeps the
/// property's initializer, as an older state file needs.
/// </summary>
internal sealed record TableState
{
    public const string Key = "_fxengine/state.json";

    /// <summary>Bumped whenever the output's layout or columns change: a table of another version is recomputed whole.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The partition of rows without a valid date (Hive's and Spark's name for it).</summary>
    public const string Undated = "__HIVE_DEFAULT_PARTITION__";

    [JsonPropertyName("version")] public int Version { get; set; } = CurrentVersion;

    /// <summary>The run whose commit wrote this state: its markers name the same run.</summary>
    [JsonPropertyName("run_id")] public string RunId { get; set; } = "";

    /// <summary>
    /// How the files' partitions were read (date column and CSV delimiter): recorded days are
    /// reused only under the same reading, or a changed --date-column would keep the old days.
    /// </summary>
    [JsonPropertyName("scan")] public string Scan { get; set; } = "";

    /// <summary>A fingerprint of every setting and input schema the output depends on.</summary>
    [JsonPropertyName("settings")] public string Settings { get; set; } = "";

    [JsonPropertyName("files")] public SortedDictionary<string, InputFileState> Files { get; set; } = new(StringComparer.Ordinal);

    /// <summary>By partition value: <c>YYYY-MM-DD</c>, or <see cref="Undated"/>.</summary>
    [JsonPropertyName("partitions")] public SortedDictionary<string, PartitionState> Partitions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What <c>fxengine stream</c> appended (its own files, beside the batch runs'), and the topic
    /// offsets those files hold: batch runs carry it over untouched, the stream resumes from it.
    /// </summary>
    [JsonPropertyName("stream")] public StreamState? Stream { get; set; }

    public static async Task<TableState?> LoadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        if (await store.TryReadAllAsync(Key, cancellationToken).ConfigureAwait(false) is not { } bytes)
            return null;
        try
        {
            return JsonSerializer.Deserialize(ObjectReads.Utf8Json(bytes), TableStateJson.Default.TableState);
        }
        catch (JsonException ex)
        {
            throw new FxException($"{store.Describe(Key)}: the table state is not valid JSON ({ex.Message}); delete it to recompute the whole table", ex);
        }
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, TableStateJson.Default.TableState);

    public static string PartitionOf(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An input file as last read: enough to tell whether it changed, and which partitions it feeds.</summary>
internal sealed record InputFileState
{
    [JsonPropertyName("size")] public long Size { get; set; }

    /// <summary>The store's version of the object: an S3 ETag, a local modification time.</summary>
    [JsonPropertyName("version")] public string Version { get; set; } = "";

    /// <summary>Its columns and types, which the output schema follows.</summary>
    [JsonPropertyName("schema")] public string Schema { get; set; } = "";

    /// <summary>The partitions it holds rows for.</summary>
    [JsonPropertyName("partitions")] public List<string> Partitions { get; set; } = [];
}

/// <summary>One partition as last committed.</summary>
internal sealed record PartitionState
{
    /// <summary>For each currency, the rate date and rates the as-of rule picks on this day.</summary>
    [JsonPropertyName("rates")] public string Rates { get; set; } = "";

    [JsonPropertyName("run_id")] public string RunId { get; set; } = "";

    [JsonPropertyName("rows_out")] public long RowsOut { get; set; }

    [JsonPropertyName("stale_rows")] public long StaleRows { get; set; }

    [JsonPropertyName("rows_rejected")] public long RowsRejected { get; set; }

    /// <summary>
    /// Stream partitions: the snapshots of the day's as-of window its rows were converted with
    /// (<c>date@unix-timestamp;…</c>): a restatement needs every one of them still at hand, or a
    /// rates topic past its retention would restate good rows as missing_rate.
    /// </summary>
    [JsonPropertyName("rate_window"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RateWindow { get; set; }

    /// <summary>Stream partitions: how many flushes added a file since it was last compacted (batch partitions have one file).</summary>
    [JsonPropertyName("files"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Files { get; set; }
}

/// <summary>The state's JSON, generated at build time (no reflection, so the CLI can be compiled ahead of time).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(TableState))]
internal sealed partial class TableStateJson : JsonSerializerContext;
