namespace FxEngine.Storage;

/// <summary>
/// An object in a store: its key relative to the store's root, its size, and a version that
/// changes whenever the object is rewritten (an S3 ETag, a local modification time).
/// </summary>
internal sealed record ObjectInfo(string Key, long Size, string Version = "");
