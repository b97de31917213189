namespace FxEngine.Pipeline;

/// <summary>
/// Asks the GC for a full collection each time the rows read pass another multiple of
/// <c>rows</c>. Parquet.Net decompresses each Snappy page through unpooled arrays the size of the
/// page, so every input row group leaves tens of MiB of large objects behind. The GC frees large
/// objects only in full collections, which it paces by a budget that grows as a run goes on, so
/// in a long run they piled up: peak RSS grew with the input size. A full collection here is
/// cheap, as what it traces is nearly all arrays of values, and it does not compact: the live
/// large arrays are pooled and reused where they are.
/// </summary>
internal sealed class LargeObjectCollector(long rows)
{
    private long _read;

    /// <summary>Counts <paramref name="read"/> rows; collects once for every multiple of the interval they pass.</summary>
    public void Read(long read)
    {
        var now = Interlocked.Add(ref _read, read);
        if (now / rows != (now - read) / rows)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}
