using FxEngine.Storage;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// Opens the input location of a run: a folder (local, <c>file://</c> or S3) or one Parquet or
/// CSV file in it. Shared by the executors and the plan builder, which all read the same input.
/// </summary>
internal static class InputLocation
{
    /// <summary>The input as a store and, when the location names one file, that file's key.</summary>
    public static (IObjectStore Store, string? Key) Open(string location)
    {
        var trimmed = location.TrimEnd('/');
        var isFile = InputDiscovery.FormatOf(trimmed[(trimmed.LastIndexOf('/') + 1)..]) is not null;
        if (ObjectStore.IsS3(location))
        {
            if (!isFile)
                return (ObjectStore.Open(location), null);
            var cut = trimmed.LastIndexOf('/');
            return (ObjectStore.Open(trimmed[..cut]), trimmed[(cut + 1)..]);
        }
        var path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(location).LocalPath : location;
        if (File.Exists(path))
            return (ObjectStore.Open(Path.GetDirectoryName(Path.GetFullPath(path))!), Path.GetFileName(path));
        if (!Directory.Exists(path))
            throw new FxException($"{Path.GetFullPath(path)}: input location does not exist");
        return (ObjectStore.Open(path), null);
    }
}
