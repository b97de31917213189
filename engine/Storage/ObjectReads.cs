namespace FxEngine.Storage;

/// <summary>Reading a small object (a rate snapshot, a table claim) whole.</summary>
internal static class ObjectReads
{
    public static async Task<byte[]> ReadAllAsync(this IObjectStore store, string key, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The object's bytes, or null when there is none.</summary>
    public static async Task<byte[]?> ReadAllIfAnyAsync(this IObjectStore store, string key, CancellationToken cancellationToken) =>
        await store.ExistsAsync(key, cancellationToken).ConfigureAwait(false)
            ? await store.ReadAllAsync(key, cancellationToken).ConfigureAwait(false)
            : null;
}
