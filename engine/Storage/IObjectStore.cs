namespace FxEngine.Storage;

/// <summary>An object in a store: its key relative to the store's root, and its size.</summary>
public sealed record ObjectInfo(string Key, long Size)
{
    /// <summary>
    /// When the object was last written (the file's mtime, S3's LastModified); null when the store
    /// does not say. Not part of equality: a move on S3 (copy, delete) gives the same object a new time.
    /// </summary>
    public DateTimeOffset? LastModified { get; init; }

    public bool Equals(ObjectInfo? other) => other is not null && Key == other.Key && Size == other.Size;

    public override int GetHashCode() => HashCode.Combine(Key, Size);
}

/// <summary>An object being written: write <see cref="Stream"/>, then commit to publish it.</summary>
public interface IObjectUpload : IAsyncDisposable
{
    /// <summary>Where to write the object's bytes (a seekable local file).</summary>
    Stream Stream { get; }

    /// <summary>Publishes the object whole; until then readers see the previous object or none.</summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A flat key space of immutable objects rooted at a location (a local folder or an S3 prefix).
/// Keys use '/' separators and are relative to the root. Writes become visible whole or not at all.
/// </summary>
public interface IObjectStore
{
    /// <summary>The root location, for messages (never includes credentials).</summary>
    string Root { get; }

    /// <summary>The full location of a key, for messages.</summary>
    string Describe(string key);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>A readable, seekable stream over the object (Parquet needs to seek to its footer).</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an object. It appears under <paramref name="key"/>, replacing any earlier
    /// one, only when <see cref="IObjectUpload.CommitAsync"/> completes; an upload disposed
    /// without a commit (a failure, a cancellation) leaves nothing behind.
    /// </summary>
    Task<IObjectUpload> CreateAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes a whole object at once, replacing any earlier one.</summary>
    Task WriteAllAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Renames an object (a server-side copy then delete where rename does not exist).</summary>
    Task MoveAsync(string fromKey, string toKey, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tries once for the location's run lock (one writer at a time). A lock left by a killed
    /// run never blocks for long: locally it dies with its process, on S3 its lease expires.
    /// </summary>
    Task<Locks.LockAttempt> TryLockAsync(Locks.LockHolder holder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the partial objects interrupted writers left (hidden from <see cref="ListAsync"/>):
    /// local temporary files, local upload spools of dead processes. Only under the run lock.
    /// </summary>
    Task SweepAsync(CancellationToken cancellationToken = default);
}
