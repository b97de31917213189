namespace FxEngine.Storage;

/// <summary>
/// An object in a store: its key relative to the store's root, its size, and a version that
/// changes whenever the object is rewritten (an S3 ETag, a local modification time).
/// </summary>
internal sealed record ObjectInfo(string Key, long Size, string Version = "")
{
    /// <summary>
    /// When the object was last written (the file's mtime, S3's LastModified); null when the store
    /// does not say. Not part of equality: a move on S3 (copy, delete) gives the same object a new time.
    /// </summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Key and size: a moved object is the same object, whatever its new version or time.</summary>
    public bool Equals(ObjectInfo? other) => other is not null && Key == other.Key && Size == other.Size;

    public override int GetHashCode() => HashCode.Combine(Key, Size);
}
