using System.Text.Json;
using System.Text.Json.Serialization;
using FxEngine.Storage;

namespace FxEngine.Table;

/// <summary>
/// The intent of a commit, written before it replaces any partition and removed once the table
/// state describes the result. A run that finds one left by a killed commit cannot trust the
/// partitions it names (some may be half replaced), so it recomputes them (all of them when the
/// killed commit was a full one).
/// </summary>
internal sealed record PendingCommit
{
    public const string Key = "_fxengine/commit.json";

    [JsonPropertyName("run_id")] public string RunId { get; set; } = "";

    /// <summary>The partition values being replaced; null: the whole table.</summary>
    [JsonPropertyName("partitions")] public List<string>? Partitions { get; set; }

    public static async Task<PendingCommit?> LoadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        if (await store.TryReadAllAsync(Key, cancellationToken).ConfigureAwait(false) is not { } bytes)
            return null;
        try
        {
            return JsonSerializer.Deserialize(ObjectReads.Utf8Json(bytes), PendingCommitJson.Default.PendingCommit) ?? new PendingCommit();
        }
        catch (JsonException)
        {
            return new PendingCommit(); // torn while being written: assume the worst, the whole table
        }
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, PendingCommitJson.Default.PendingCommit);
}

/// <summary>The intent's JSON, generated at build time; settable properties, as in <see cref="TableState"/>.</summary>
[JsonSerializable(typeof(PendingCommit))]
internal sealed partial class PendingCommitJson : JsonSerializerContext;
