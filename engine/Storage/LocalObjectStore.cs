using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FxEngine.Storage.Locks;

namespace FxEngine.Storage;

/// <summary>
/// An object store in a local folder. Objects are written to a hidden temporary file and
/// renamed into place on dispose, so a reader never sees a half-written object.
/// </summary>
internal sealed class LocalObjectStore : IObjectStore
{
    private const string TempSuffix = ".fxtmp";
    private readonly string _root;

    /// <summary>Folders whose entries a move or delete changed since the last <see cref="FlushAsync"/> (a set: a commit moves side by side).</summary>
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);

    public LocalObjectStore(string root) => _root = Path.GetFullPath(root);

    public string Root => _root;

    public string Describe(string key) => PathOf(key);

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(_root))
            yield break;

        // Walk only what the prefix names: its folder's entries that start with its last segment
        // (a single input file's prefix is its own name, so its siblings are never walked).
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : PathOf(prefix[..slash]);
        if (!Directory.Exists(folder))
            yield break;
        var keys = Walk(folder, prefix[(slash + 1)..])
            .Where(path => !path.EndsWith(TempSuffix, StringComparison.Ordinal))
            .Select(path => (Key: Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/'), Path: path))
            .Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(entry => entry.Key, StringComparer.Ordinal);
        foreach (var (key, path) in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var file = new FileInfo(path);
            yield return new ObjectInfo(key, file.Length, file.LastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                LastModified = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero),
            };
        }
    }

    /// <summary>The files under <paramref name="folder"/> whose first level below it starts with <paramref name="name"/>.</summary>
    private static List<string> Walk(string folder, string name)
    {
        var paths = new List<string>();
        try
        {
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
                if (entry.Name.StartsWith(name, StringComparison.Ordinal))
                {
                    if (entry is DirectoryInfo inner)
                        paths.AddRange(Directory.EnumerateFiles(inner.FullName, "*", SearchOption.AllDirectories));
                    else
                        paths.Add(entry.FullName);
                }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FxException($"{folder}: listing it failed: {ex.Message}", ex);
        }
        return paths;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
            throw new FxException($"{path}: object not found");
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    public async Task<byte[]?> TryReadAllAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FxException($"{path}: reading it failed: {ex.Message}", ex);
        }
    }

    public Task<IObjectUpload> CreateAsync(string key, CancellationToken cancellationToken = default, bool staged = false)
    {
        var path = PathOf(key);
        CreateFolderOf(path, staged ? FolderDurability.None : FolderDurability.Now);
        return Task.FromResult<IObjectUpload>(new RenameOnCommit(path, $"{path}.{Guid.NewGuid():N}{TempSuffix}", durable: !staged));
    }

    public async Task WriteAllAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await using var upload = await CreateAsync(key, cancellationToken).ConfigureAwait(false);
        await upload.Stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renames a file, its data flushed to disk first; the rename, and any folder it needed, are durable after <see cref="FlushAsync"/>.</summary>
    public Task MoveAsync(string fromKey, string toKey, CancellationToken cancellationToken = default)
    {
        var target = PathOf(toKey);
        CreateFolderOf(target, FolderDurability.AtFlush);
        var source = PathOf(fromKey);
        try
        {
            // A file another writer made (DuckDB's COPY) has not been flushed: its data first, then the rename.
            using (var file = new FileStream(source, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                file.Flush(flushToDisk: true);
            File.Move(source, target, overwrite: true);
            _changed.TryAdd(Path.GetDirectoryName(target)!, 0);
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw new FxException($"{target}: moving {source} there failed: {ex.Message}", ex);
        }
        RemoveEmptyFolders(Path.GetDirectoryName(source)!);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
            return Task.CompletedTask;
        File.Delete(path);
        _changed.TryAdd(RemoveEmptyFolders(Path.GetDirectoryName(path)!), 0);
        return Task.CompletedTask;
    }

    /// <summary>Flushes every folder a move or delete changed since the last call, each once, side by side.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var folders = _changed.Keys.ToList();
        foreach (var folder in folders)
            _changed.TryRemove(folder, out _);
        try
        {
            await FlushFoldersAsync(folders).ConfigureAwait(false);
        }
        catch
        {
            // Still owed: a caller that goes on after the failure flushes them next time.
            foreach (var folder in folders)
                _changed.TryAdd(folder, 0);
            throw;
        }
    }

    /// <summary>Flushes every folder under the root, and the root: what a process killed before its flush changed is in none of this store's notes.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(_root))
            await FlushFoldersAsync(Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories).Prepend(_root).ToList()).ConfigureAwait(false);
    }

    private static Task FlushFoldersAsync(IReadOnlyList<string> folders) =>
        Parallel.ForEachAsync(folders, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentFlushes }, (folder, _) =>
        {
            // A folder removed since holds nothing to flush: its removal was recorded in the folder above it.
            if (!Directory.Exists(folder))
                return ValueTask.CompletedTask;
            try
            {
                FolderSync.Flush(folder);
            }
            catch (IOException) when (!Directory.Exists(folder))
            {
                // Removed while being opened (a racing remover): as above.
            }
            catch (Exception ex) when (LocalWriteFailure.Is(ex))
            {
                // FolderSync's message names the folder and the disk's error.
                throw new FxException(ex.Message, ex);
            }
            return ValueTask.CompletedTask;
        });

    /// <summary>Folder flushes at once: each waits on the disk, not the CPU.</summary>
    private const int ConcurrentFlushes = 8;

    public Task<LockAttempt> TryLockAsync(LockHolder holder, CancellationToken cancellationToken = default) =>
        Task.FromResult(LocalFileLock.TryAcquire(_root, holder));

    /// <summary>Deletes the temporary files of interrupted writes, and the empty folders they leave (a key space has no folders).</summary>
    public Task SweepAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_root))
            return Task.CompletedTask;
        foreach (var path in Directory.EnumerateFiles(_root, "*" + TempSuffix, SearchOption.AllDirectories))
            File.Delete(path);
        foreach (var folder in Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories).OrderByDescending(f => f.Length))
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
                Directory.Delete(folder);
        return Task.CompletedTask;
    }

    /// <summary>When the folders a write creates become durable: at once, at the next <see cref="FlushAsync"/>, or never (staging, which nothing names).</summary>
    private enum FolderDurability { Now, AtFlush, None }

    /// <summary>The folder a file goes in; one the machine refuses (a file in its place, no permission) is the operator's to fix.</summary>
    private void CreateFolderOf(string path, FolderDurability durability)
    {
        var folder = Path.GetDirectoryName(path)!;
        try
        {
            switch (durability)
            {
                case FolderDurability.Now:
                    FolderSync.Create(folder);
                    break;
                case FolderDurability.AtFlush:
                    foreach (var created in FolderSync.CreateUnflushed(folder))
                        _changed.TryAdd(Path.GetDirectoryName(created)!, 0);
                    break;
                default:
                    Directory.CreateDirectory(folder);
                    break;
            }
        }
        catch (Exception ex) when (LocalWriteFailure.Is(ex))
        {
            throw new FxException($"{path}: writing it failed: its folder {folder} cannot be created ({ex.Message})", ex);
        }
    }

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        // A key is data, never a way out of the store.
        if (path != _root && !path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new FxException($"object key '{key}' points outside the store root {_root}");
        return path;
    }

    /// <summary>Removes <paramref name="folder"/> and the folders above it that end empty; returns the one it stopped at, whose entries changed last.</summary>
    private string RemoveEmptyFolders(string folder)
    {
        // Moves side by side (a commit's) empty sibling folders at once: a folder another remover
        // took already, or that has an entry again, ends this walk; that remover goes on upwards.
        try
        {
            while (folder.Length > _root.Length && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
                folder = Path.GetDirectoryName(folder)!;
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException) when (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
        }
        return folder;
    }

    /// <summary>
    /// Writes to a hidden temporary file; the commit flushes it to disk, renames it into place and
    /// flushes the folder, so a committed object survives a power loss whole (never empty or
    /// missing under its name); a staged one, which a move flushes later, is only renamed. A dispose
    /// without a commit deletes it.
    /// </summary>
    private sealed class RenameOnCommit(string finalPath, string tempPath, bool durable) : IObjectUpload
    {
        private readonly UploadFile _file = new(tempPath, finalPath);
        private bool _committed;

        public Stream Stream => _file;

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (durable)
                _file.FlushToDisk();
            await _file.DisposeAsync().ConfigureAwait(false);
            try
            {
                File.Move(tempPath, finalPath, overwrite: true);
                if (durable)
                    FolderSync.Flush(Path.GetDirectoryName(finalPath)!);
            }
            catch (Exception ex) when (LocalWriteFailure.Is(ex))
            {
                throw new FxException($"{finalPath}: writing it failed: {ex.Message}", ex);
            }
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_committed)
                await _file.DiscardAsync().ConfigureAwait(false);
        }
    }
}
