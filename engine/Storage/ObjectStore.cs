namespace FxEngine.Storage;

/// <summary>Opens the object store a location names: a local path, a <c>file://</c> URI or <c>s3://bucket/prefix</c>.</summary>
internal static class ObjectStore
{
    public static IObjectStore Open(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new FxException("an empty location was given: pass a folder path, file:// URI or s3://bucket/prefix");

        if (IsS3(location))
            return S3ObjectStore.Open(location);

        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            return new LocalObjectStore(new Uri(location).LocalPath);

        if (location.Contains("://", StringComparison.Ordinal))
            throw new FxException($"{location}: unsupported location scheme; use a folder path, file:// URI or s3://bucket/prefix");

        return new LocalObjectStore(location);
    }

    /// <summary>A location in one spelling (absolute path or s3 URI, ending in '/'), to compare locations.</summary>
    public static string Canonical(string location)
    {
        if (IsS3(location))
            return "s3://" + location["s3://".Length..].TrimEnd('/') + "/";
        var path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(location).LocalPath : location;
        return Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
    }

    /// <summary>True when the locations are the same or one lies inside the other.</summary>
    public static bool Overlap(string a, string b)
    {
        var (x, y) = (Canonical(a), Canonical(b));
        return x.StartsWith(y, StringComparison.Ordinal) || y.StartsWith(x, StringComparison.Ordinal);
    }

    public static bool IsS3(string location) => location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

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
