using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FxEngine.Storage.Locks;

/// <summary>
/// Who holds a location's run lock: written into the lock so a refused run can name the holder,
/// and so a lease (S3) can be recognised as expired or as still one's own.
/// </summary>
internal sealed record LockHolder(string RunId, string Host, int Pid, DateTimeOffset AcquiredAt, DateTimeOffset? ExpiresAt = null, string? Process = null)
{
    /// <summary>This process, for a run.</summary>
    public static LockHolder ForThisProcess(string runId) =>
        new(runId, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow, Process: ProcessIdentity.OfThisProcess);

    public bool Expired(DateTimeOffset now) => ExpiresAt is { } expires && expires < now;

    /// <summary>Whether the holder's process has certainly ended (<see cref="ProcessIdentity"/>): a killed run on this machine, whose lease need not be waited out.</summary>
    public bool Ended => ProcessIdentity.HasEnded(Process);

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"run {RunId} (pid {Pid} on {Host}, since {AcquiredAt:yyyy-MM-dd HH:mm:ss}Z)");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(new Wire(RunId, Host, Pid, AcquiredAt, ExpiresAt, Process), LockHolderJson.Default.Wire);

    /// <summary>The holder a lock object names, or null when it is not one (torn, or not ours).</summary>
    public static LockHolder? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var wire = JsonSerializer.Deserialize(json, LockHolderJson.Default.Wire);
            return wire is { RunId.Length: > 0 } ? new LockHolder(wire.RunId, wire.Host ?? "?", wire.Pid, wire.AcquiredAt, wire.ExpiresAt, wire.Process) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal sealed record Wire(
        [property: JsonPropertyName("run_id")] string RunId,
        [property: JsonPropertyName("host")] string? Host,
        [property: JsonPropertyName("pid")] int Pid,
        [property: JsonPropertyName("acquired_at")] DateTimeOffset AcquiredAt,
        [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
        [property: JsonPropertyName("process")] string? Process);
}

[JsonSerializable(typeof(LockHolder.Wire))]
internal sealed partial class LockHolderJson : JsonSerializerContext;
