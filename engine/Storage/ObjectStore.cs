namespace FxEngine.Storage;

/// <summary>Opens the object store a location names: a local path or a <c>file://</c> URI.</summary>
public static class ObjectStore
{
    public static IObjectStore Open(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new FxException("an empty location was given: pass a folder path, file:// URI or s3:// URI");

        if (location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            throw new FxException($"{location}: S3 locations are not supported by this build yet; use a local folder or file:// URI");

        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            return new LocalObjectStore(new Uri(location).LocalPath);

        if (location.Contains("://", StringComparison.Ordinal))
            throw new FxException($"{location}: unsupported location scheme; use a folder path or file:// URI");

        return new LocalObjectStore(location);
    }

    /// <summary>A location next to <paramref name="location"/> with another last segment.</summary>
    public static string Sibling(string location, string name)
    {
        var trimmed = location.TrimEnd('/', '\\');
        var cut = trimmed.LastIndexOfAny(['/', '\\']);
        return cut < 0 ? name : $"{trimmed[..(cut + 1)]}{name}";
    }

    /// <summary>A location below <paramref name="location"/>.</summary>
    public static string Child(string location, string name) => $"{location.TrimEnd('/', '\\')}/{name}";
}
