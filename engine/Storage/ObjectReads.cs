namespace FxEngine.Storage;

/// <summary>Reading a small object (a rate snapshot, a table claim) whole.</summary>
internal static class ObjectReads
{
    /// <summary>The object's bytes (one request); a missing one is an error naming it.</summary>
    public static async Task<byte[]> ReadAllAsync(this IObjectStore store, string key, CancellationToken cancellationToken) =>
        await store.TryReadAllAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new FxException($"{store.Describe(key)}: object not found");

    /// <summary>JSON read whole, without the byte-order mark an editor may have added (a stream read skips it, a span read does not).</summary>
    public static ReadOnlySpan<byte> Utf8Json(byte[] bytes) =>
        bytes.AsSpan().StartsWith(System.Text.Encoding.UTF8.Preamble) ? bytes.AsSpan(System.Text.Encoding.UTF8.Preamble.Length) : bytes;
}
