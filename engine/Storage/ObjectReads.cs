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

    /// <summary>JSON read whole, without the byte-order mark an editor may have added (a stream read skips it, a span read does not).</summary>
    public static ReadOnlySpan<byte> Utf8Json(byte[] bytes) =>
        bytes.AsSpan().StartsWith(System.Text.Encoding.UTF8.Preamble) ? bytes.AsSpan(System.Text.Encoding.UTF8.Preamble.Length) : bytes;
}
