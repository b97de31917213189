using System.Text.Json;
using FxEngine.Storage;

namespace FxEngine.Table;

/// <summary>
/// Which table an output or rejects location belongs to: <c>_fxengine/table.json</c> holds the
/// table's id (made by its first run) and the location's role. Runs delete the files runs wrote
/// in their locations, so a location two tables write (one rejects folder given to two outputs,
/// or one table's output given as another's rejects) would lose one table's files to the other's
/// runs. A run claims its locations under its lock; one that finds another table's claim fails
/// naming it. The id, not the path, names the table, so a lake moved or copied whole keeps it.
/// </summary>
internal static class TableIdentity
{
    public const string Key = "_fxengine/table.json";

    public static async Task ClaimAsync(IObjectStore output, IObjectStore rejects, CancellationToken cancellationToken)
    {
        var table = await ReadAsync(output, cancellationToken).ConfigureAwait(false);
        if (table is { Role: not "output" })
            throw new FxException($"{output.Describe(Key)}: this location holds the rejects of another table, which this run would delete; give each table its own output and rejects locations");
        var id = table?.Id ?? Guid.NewGuid().ToString("N");
        if (table is null)
            await WriteAsync(output, id, "output", cancellationToken).ConfigureAwait(false);

        var claimed = await ReadAsync(rejects, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
            await WriteAsync(rejects, id, "rejects", cancellationToken).ConfigureAwait(false);
        else if (claimed.Id != id || claimed.Role != "rejects")
            throw new FxException($"{rejects.Describe(Key)}: this location holds the {claimed.Role} of another table (not the one at {output.Root}), " +
                "whose files this run would delete; give each output its own --rejects location");
    }

    private sealed record Claim(string Id, string Role);

    private static async Task<Claim?> ReadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        if (await store.TryReadAllAsync(Key, cancellationToken).ConfigureAwait(false) is not { } bytes)
            return null;
        try
        {
            using var json = JsonDocument.Parse(bytes);
            return new Claim(json.RootElement.GetProperty("table").GetString()!, json.RootElement.GetProperty("role").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FxException($"{store.Describe(Key)}: not a table claim FxEngine wrote ({ex.Message}); restore it, or remove it if this location belongs to no other table", ex);
        }
    }

    private static Task WriteAsync(IObjectStore store, string id, string role, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("table", id);
            json.WriteString("role", role);
            json.WriteEndObject();
        }
        return store.WriteAllAsync(Key, buffer.ToArray(), cancellationToken);
    }
}
