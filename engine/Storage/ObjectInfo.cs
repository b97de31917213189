namespace FxEngine.Storage;

/// <summary>An object in a store: its key relative to the store's root, and its size.</summary>
internal sealed record ObjectInfo(string Key, long Size);
