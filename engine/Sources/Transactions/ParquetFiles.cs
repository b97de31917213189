using System.Collections.Concurrent;
using FxEngine.Storage;
using Parquet;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// The open Parquet files of one run, so each file's footer is read once: discovery opens a
/// file and leaves its reader here, and a worker that reads one of its row groups borrows a
/// reader and gives it back (a second worker on the same file at the same time opens its own).
/// A file's readers close once its last row group has been read, and all of them with the run.
/// </summary>
internal sealed class ParquetFiles(IObjectStore store) : IAsyncDisposable
{
    /// <summary>
    /// Readers kept from discovery at most: each holds a file handle or, on S3, a read-ahead
    /// block of a few MiB, so an input of thousands of files reopens the later ones instead.
    /// </summary>
    private const int MaxKeptFiles = 32;

    private readonly ConcurrentDictionary<string, ConcurrentBag<ParquetReader>> _idle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _unread = new(StringComparer.Ordinal);

    /// <summary>How many times a footer was read (a file opened): once per file when nothing reads a file twice at once.</summary>
    public int Opened => _opened;

    private int _opened;

    public IObjectStore Store => store;

    /// <summary>Opens a file (reading its footer), to be given back with <see cref="ReturnAsync"/>.</summary>
    public async Task<ParquetReader> OpenAsync(string key, CancellationToken cancellationToken)
    {
        if (_idle.TryGetValue(key, out var idle) && idle.TryTake(out var reader))
            return reader;
        Interlocked.Increment(ref _opened);
        return await InputDiscovery.OpenParquetAsync(store, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Discovery's reader, kept for the <paramref name="rowGroups"/> reads to come (closed at once when there are none).</summary>
    public async Task KeepAsync(string key, ParquetReader reader, int rowGroups)
    {
        if (rowGroups == 0 || _unread.Count >= MaxKeptFiles)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            return;
        }
        _unread[key] = rowGroups;
        _idle.GetOrAdd(key, _ => []).Add(reader);
    }

    /// <summary>Gives a reader back after one row group; the file's last row group closes every reader of it.</summary>
    public async Task ReturnAsync(string key, ParquetReader reader)
    {
        var left = _unread.AddOrUpdate(key, 0, (_, count) => count - 1);
        if (left > 0)
        {
            _idle.GetOrAdd(key, _ => []).Add(reader);
            return;
        }
        await reader.DisposeAsync().ConfigureAwait(false);
        if (_idle.TryRemove(key, out var idle))
            foreach (var other in idle)
                await other.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var idle in _idle.Values)
            foreach (var reader in idle)
                await reader.DisposeAsync().ConfigureAwait(false);
        _idle.Clear();
    }
}
