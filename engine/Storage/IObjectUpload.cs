namespace FxEngine.Storage;

/// <summary>An object being written: write <see cref="Stream"/>, then commit to publish it.</summary>
internal interface IObjectUpload : IAsyncDisposable
{
    /// <summary>Where to write the object's bytes (a seekable local file).</summary>
    Stream Stream { get; }

    /// <summary>Publishes the object whole; until then readers see the previous object or none.</summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}
