using BenchmarkDotNet.Attributes;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Benchmarks;

/// <summary>
/// Parquet.Net 6.1 encoding one column of one row group (131,072 values, Snappy, the writer's
/// options), one method per kind of column the output holds: where the engine's write time and
/// allocations go, and what an option changes. Allocated bytes per value show the library's
/// per-value costs.
/// </summary>
[Config(typeof(CliRuntime))]
public class ParquetColumnBenchmark
{
    private const int Rows = 131_072;
    private static readonly string[] Codes = ["SGD", "USD", "EUR", "MYR", "IDR", "CNY", "JPY", "INR", "GBP", "AUD"];
    private ReadOnlyMemory<char>[] _ids = [];
    private ReadOnlyMemory<char>[] _codes = [];
    private decimal[] _amounts = [];
    private decimal[] _rates = [];
    private DateOnly[] _dates = [];
    private int[] _ints = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _ids = Enumerable.Range(0, Rows).Select(i => $"TXN-{i:D10}".AsMemory()).ToArray();
        _codes = Enumerable.Range(0, Rows).Select(_ => Codes[random.Next(Codes.Length)].AsMemory()).ToArray();
        _amounts = Enumerable.Range(0, Rows).Select(_ => random.Next(1, 10_000_000) / 100m).ToArray();
        // A rate depends on the currency and the rate date only: about 17 x 90 distinct values in a run.
        var quotes = Enumerable.Range(0, 17 * 90).Select(_ => random.Next(1, 1_000_000_000) / 1_000_000_000m * 3m).ToArray();
        _rates = Enumerable.Range(0, Rows).Select(_ => quotes[random.Next(quotes.Length)]).ToArray();
        _dates = Enumerable.Range(0, Rows).Select(i => new DateOnly(2024, 1, 1).AddDays(i % 90)).ToArray();
        _ints = _dates.Select(d => d.DayNumber).ToArray();
    }

    private static ParquetOptions Options(bool dictionaryHint = false, string column = "")
    {
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };
        if (dictionaryHint)
            options.ColumnEncodingHints[column] = EncodingHint.Dictionary;
        return options;
    }

    private static long Write<T>(DataField field, ReadOnlyMemory<T> values, ParquetOptions? options = null) where T : struct =>
        WriteAsync(field, values, options ?? Options()).GetAwaiter().GetResult();

    private static async Task<long> WriteAsync<T>(DataField field, ReadOnlyMemory<T> values, ParquetOptions options) where T : struct
    {
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream, options))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(field, values);
            group.CompleteValidate();
        }
        return stream.Length;
    }

    [Benchmark(Description = "text, unique (txn_id)")]
    public long TextUnique() => Write(new DataField<string>("id", nullable: false), (ReadOnlyMemory<ReadOnlyMemory<char>>)_ids);

    [Benchmark(Description = "text, 10 values (currency)")]
    public long TextCodes() => Write(new DataField<string>("code", nullable: false), (ReadOnlyMemory<ReadOnlyMemory<char>>)_codes);

    [Benchmark(Description = "text, 10 values, dictionary hint")]
    public long TextCodesDictionary() => Write(new DataField<string>("code", nullable: false), (ReadOnlyMemory<ReadOnlyMemory<char>>)_codes, Options(dictionaryHint: true, "code"));

    [Benchmark(Description = "DECIMAL(18,2) (amounts)")]
    public long Decimal18() => Write(new DecimalDataField("amount", 18, 2, isNullable: false), (ReadOnlyMemory<decimal>)_amounts);

    [Benchmark(Description = "DECIMAL(38,18) (fx_rate)")]
    public long Decimal38() => Write(new DecimalDataField("rate", 38, 18, isNullable: false), (ReadOnlyMemory<decimal>)_rates);

    [Benchmark(Description = "DECIMAL(38,18), dictionary hint")]
    public long Decimal38Dictionary() => Write(new DecimalDataField("rate", 38, 18, isNullable: false), (ReadOnlyMemory<decimal>)_rates, Options(dictionaryHint: true, "rate"));

    [Benchmark(Description = "DECIMAL(38,18), each distinct value converted once (WideDecimalWriter)")]
    public long Decimal38Distinct() => WideAsync().GetAwaiter().GetResult();

    private async Task<long> WideAsync()
    {
        var field = new BigDecimalDataField("rate", 38, 18, isNullable: false);
        var column = new FxEngine.Data.RequiredColumn<decimal>(new DecimalDataField("rate", 38, 18, isNullable: false), _rates);
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream, Options()))
        using (var group = writer.CreateRowGroup())
        {
            await FxEngine.Data.WideDecimalWriter.WriteAsync(field, column, group, default);
            group.CompleteValidate();
        }
        return stream.Length;
    }

    [Benchmark(Description = "DATE, dictionary hint")]
    public long DateDictionary() => Write(new DataField<DateOnly>("day", nullable: false), (ReadOnlyMemory<DateOnly>)_dates, Options(dictionaryHint: true, "day"));

    [Benchmark(Description = "DATE (fx_rate_date)")]
    public long Date() => Write(new DataField<DateOnly>("day", nullable: false), (ReadOnlyMemory<DateOnly>)_dates);

    [Benchmark(Baseline = true, Description = "INT32, for comparison")]
    public long Int32() => Write(new DataField<int>("day", nullable: false), (ReadOnlyMemory<int>)_ints);
}
