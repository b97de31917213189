using System.Globalization;
using System.Text.Json;

namespace FxEngine.Storage.Locks;

/// <summary>
/// Who holds a location's run lock: written into the lock so a refused run can name the holder,
/// and so a lease (S3) can be recognised as expired or as still one's own.
/// </summary>
internal sealed record LockHolder(string RunId, string Host, int Pid, DateTimeOffset AcquiredAt, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>This process, for a run.</summary>
    public static LockHolder ForThisProcess(string runId) =>
        new(runId, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow);

    public bool Expired(DateTimeOffset now) => ExpiresAt is { } expires && expires < now;

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"run {RunId} (pid {Pid} on {Host}, since {AcquiredAt:yyyy-MM-dd HH:mm:ss}Z)");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(new Wire(RunId, Host, Pid, AcquiredAt, ExpiresAt));

    /// <summary>The holder a lock object names, or null when it is not one (torn, or not ours).</summary>
    public static LockHolder? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(json);
            return wire is { RunId.Length: > 0 } ? new LockHolder(wire.RunId, wire.Host ?? "?", wire.Pid, wire.AcquiredAt, wire.ExpiresAt) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Wire(
        [property: System.Text.Json.Serialization.JsonPropertyName("run_id")] string RunId,
        [property: System.Text.Json.Serialization.JsonPropertyName("host")] string? Host,
        [property: System.Text.Json.Serialization.JsonPropertyName("pid")] int Pid,
        [property: System.Text.Json.Serialization.JsonPropertyName("acquired_at")] DateTimeOffset AcquiredAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);
}
