using System.Text.Json;
using System.Text.Json.Serialization;
using FxEngine.Storage;

namespace FxEngine.Table;

/// <summary>
/// What fed each partition of an output table, kept in <c>_fxengine/state.json</c> beside the
/// data and replaced in the same commit as the partitions it describes: the input files (size,
/// version, the days they hold), each partition's rate fingerprint and row counts, and the
/// settings. The next run compares it with what is there now and recomputes only what changed.
/// </summary>
internal sealed record TableState
{
    public const string Key = "_fxengine/state.json";

    /// <summary>Bumped whenever the output's layout or columns change: a table of another version is recomputed whole.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The partition of rows without a valid date (Hive's and Spark's name for it).</summary>
    public const string Undated = "__HIVE_DEFAULT_PARTITION__";

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    /// <summary>The run whose commit wrote this state: its markers name the same run.</summary>
    [JsonPropertyName("run_id")] public string RunId { get; init; } = "";

    /// <summary>
    /// How the files' partitions were read (date column and CSV delimiter): recorded days are
    /// reused only under the same reading, or a changed --date-column would keep the old days.
    /// </summary>
    [JsonPropertyName("scan")] public string Scan { get; init; } = "";

    /// <summary>A fingerprint of every setting and input schema the output depends on.</summary>
    [JsonPropertyName("settings")] public string Settings { get; init; } = "";

    [JsonPropertyName("files")] public SortedDictionary<string, InputFileState> Files { get; init; } = new(StringComparer.Ordinal);

    /// <summary>By partition value: <c>YYYY-MM-DD</c>, or <see cref="Undated"/>.</summary>
    [JsonPropertyName("partitions")] public SortedDictionary<string, PartitionState> Partitions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What <c>fxengine stream</c> appended (its own files, beside the batch runs'), and the topic
    /// offsets those files hold: batch runs carry it over untouched, the stream resumes from it.
    /// </summary>
    [JsonPropertyName("stream")] public StreamState? Stream { get; init; }

    public static async Task<TableState?> LoadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        if (!await store.ExistsAsync(Key, cancellationToken).ConfigureAwait(false))
            return null;
        await using var stream = await store.OpenReadAsync(Key, cancellationToken).ConfigureAwait(false);
        try
        {
            return await JsonSerializer.DeserializeAsync<TableState>(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new FxException($"{store.Describe(Key)}: the table state is not valid JSON ({ex.Message}); delete it to recompute the whole table", ex);
        }
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true });

    public static string PartitionOf(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An input file as last read: enough to tell whether it changed, and which partitions it feeds.</summary>
internal sealed record InputFileState
{
    [JsonPropertyName("size")] public long Size { get; init; }

    /// <summary>The store's version of the object: an S3 ETag, a local modification time.</summary>
    [JsonPropertyName("version")] public string Version { get; init; } = "";

    /// <summary>Its columns and types, which the output schema follows.</summary>
    [JsonPropertyName("schema")] public string Schema { get; init; } = "";

    /// <summary>The partitions it holds rows for.</summary>
    [JsonPropertyName("partitions")] public List<string> Partitions { get; init; } = [];
}

/// <summary>One partition as last committed.</summary>
internal sealed record PartitionState
{
    /// <summary>For each currency, the rate date and rates the as-of rule picks on this day.</summary>
    [JsonPropertyName("rates")] public string Rates { get; init; } = "";

    [JsonPropertyName("run_id")] public string RunId { get; init; } = "";

    [JsonPropertyName("rows_out")] public long RowsOut { get; init; }

    [JsonPropertyName("stale_rows")] public long StaleRows { get; init; }

    [JsonPropertyName("rows_rejected")] public long RowsRejected { get; init; }

    /// <summary>
    /// Stream partitions: the snapshots of the day's as-of window its rows were converted with
    /// (<c>date@unix-timestamp;…</c>): a restatement needs every one of them still at hand, or a
    /// rates topic past its retention would restate good rows as missing_rate.
    /// </summary>
    [JsonPropertyName("rate_window"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RateWindow { get; init; }

    /// <summary>Stream partitions: how many flushes added a file since it was last compacted (batch partitions have one file).</summary>
    [JsonPropertyName("files"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Files { get; init; }
}
