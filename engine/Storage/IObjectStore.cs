namespace FxEngine.Storage;

/// <summary>
/// A flat key space of objects rooted at a location (a local folder or an S3 prefix). Keys use
/// '/' separators and are relative to the root. An object is written whole and never changed in
/// place: a write becomes visible whole or not at all, replacing any earlier object of its key.
/// </summary>
internal interface IObjectStore
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

    /// <summary>A small object's bytes (a table state, a marker), or null when there is none: one request, with no gap between a check and the read.</summary>
    Task<byte[]?> TryReadAllAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an object. It appears under <paramref name="key"/>, replacing any earlier
    /// one, only when <see cref="IObjectUpload.CommitAsync"/> completes; an upload disposed
    /// without a commit (a failure, a cancellation) leaves nothing behind. A <paramref name="staged"/>
    /// object is one the caller moves into place later (<see cref="MoveAsync"/>, which flushes its
    /// data then): a local store need not flush it to disk at its commit.
    /// </summary>
    Task<IObjectUpload> CreateAsync(string key, CancellationToken cancellationToken = default, bool staged = false);

    /// <summary>Writes a whole object at once, replacing any earlier one.</summary>
    Task WriteAllAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renames an object (a server-side copy then delete where rename does not exist). A local
    /// rename survives a power loss only after <see cref="FlushAsync"/>.
    /// </summary>
    Task MoveAsync(string fromKey, string toKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes an object; deleting a missing object is not an error. A local delete survives a
    /// power loss only after <see cref="FlushAsync"/>.
    /// </summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the moves and deletes done so far survive a power loss (locally: each folder they
    /// changed flushed once). A commit calls it before the record that names the new files (the
    /// table state, the marker): a moved file could otherwise be missing after a restart, or a
    /// replaced one back beside its replacement, its rows read twice. On S3 both are durable when they return.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes every move and delete under the root durable, whoever made it: a run that finds
    /// another's commit interrupted (a kill) calls it, as that run's changes may never have been
    /// flushed and this run's own flush covers only what it changes.
    /// </summary>
    Task FlushAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Tries once for the location's run lock (one writer at a time). A lock left by a killed
    /// run never blocks for long: locally it dies with its process, on S3 its lease expires.
    /// </summary>
    Task<Locks.LockAttempt> TryLockAsync(Locks.LockHolder holder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes what interrupted writers left, which <see cref="ListAsync"/> never shows: in a local
    /// folder its temporary files and the empty folders left behind; for S3, the upload spools
    /// that dead processes left on this machine. Call it only while holding the run lock.
    /// </summary>
    Task SweepAsync(CancellationToken cancellationToken = default);
}
