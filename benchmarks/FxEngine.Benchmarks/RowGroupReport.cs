using Parquet;

namespace FxEngine.Benchmarks;

/// <summary>Row-group sizes of every Parquet file under a folder, summed up for benchmarks/peak-rss.sh.</summary>
internal static class RowGroupReport
{
    /// <summary>One line: files, row groups, the smallest row group before a file's last, the smallest and largest overall.</summary>
    public static async Task<string> DescribeAsync(string folder)
    {
        int files = 0, groups = 0;
        long minBeforeLast = long.MaxValue, min = long.MaxValue, max = 0;
        foreach (var path in Directory.EnumerateFiles(folder, "*.parquet", SearchOption.AllDirectories))
        {
            await using var reader = await ParquetReader.CreateAsync(path);
            files++;
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                var rows = reader.OpenRowGroupReader(i).RowCount;
                groups++;
                (min, max) = (Math.Min(min, rows), Math.Max(max, rows));
                if (i < reader.RowGroupCount - 1)
                    minBeforeLast = Math.Min(minBeforeLast, rows);
            }
        }
        var before = minBeforeLast == long.MaxValue ? "none (one row group per file)" : minBeforeLast.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        return $"files {files}, row groups {groups}, smallest before a file's last {before}, smallest {min:N0}, largest {max:N0}";
    }
}
