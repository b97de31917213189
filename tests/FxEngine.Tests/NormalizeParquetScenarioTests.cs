using System.Numerics;
using System.Text.Json;
using FxEngine.Jobs;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Generated Parquet in, partitioned Parquet out, read back by DuckDB and checked row by row
/// against an exact BigInteger oracle built from the rate files themselves.
/// </summary>
public class NormalizeParquetScenarioTests
{
    [Fact]
    public async Task Normalize_GeneratedParquet_EveryRowExactAndAccountedFor()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 120_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-02-29"), Seed = 7,
            RowsPerFile = 50_000, RowGroupRows = 20_000,
        });
        // Rates with a gap (every 5th day missing) so stale rows exist.
        var lake = ObjectStore.Open(dir.Sub("lake"));
        var sink = new LakeRatesWriter(lake);
        for (var day = D("2023-12-28"); day <= D("2024-02-29"); day = day.AddDays(1))
            if (day.Day % 5 != 0)
                await sink.WriteAsync(await new SyntheticRatesSource().FetchAsync(day, default), "synthetic", default);

        var result = await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("lake/exchange_rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Workers = 2,
            RowGroupRows = 10_000, MemoryBudget = 64L << 20,
        });

        var output = Query($"SELECT txn_id, txn_date, currency, amount, amount_sgd, fx_rate_date, fx_status, txn_date_dir FROM (SELECT *, regexp_extract(filename, 'txn_date=([0-9-]+)', 1) AS txn_date_dir FROM read_parquet('{Glob(dir.Sub("out"))}', filename=true))");
        var rejects = Query($"SELECT txn_id, reject_reason FROM read_parquet('{Glob(dir.Sub("out_rejects"))}')");
        Assert.Equal(120_000, output.Count + rejects.Count);
        Assert.Equal(result.Stats.RowsOut, output.Count);
        Assert.Equal(120_000, output.Concat(rejects).Select(r => (string)r["txn_id"]!).Distinct().Count());
        Assert.Contains(output, r => (string)r["fx_status"]! == "stale");

        var rates = Directory.GetFiles(dir.Sub("lake/exchange_rates")).Select(f =>
            RateSnapshotParser.Parse(File.ReadAllBytes(f), f, DateOnly.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(s => s.Date);
        foreach (var row in output)
        {
            var date = (DateOnly)row["txn_date"]!;
            var rateDate = (DateOnly)row["fx_rate_date"]!;
            var code = ((string)row["currency"]!).Trim().ToUpperInvariant();
            Assert.Equal(date.ToString("yyyy-MM-dd"), row["txn_date_dir"]);
            // The as-of rule: the latest snapshot on or before the day, within 7 days.
            var expectedRateDate = Enumerable.Range(0, 8).Select(back => date.AddDays(-back)).First(rates.ContainsKey);
            Assert.Equal(expectedRateDate, rateDate);
            Assert.Equal(rateDate == date ? "exact" : "stale", row["fx_status"]);
            var snapshot = rates[rateDate];
            Assert.Equal(Oracle((decimal)row["amount"]!, snapshot.Rates["SGD"], snapshot.Rates[code]), (decimal)row["amount_sgd"]!);
        }

        var summary = JsonDocument.Parse(File.ReadAllText(dir.Sub("out/_summary.json"))).RootElement;
        Assert.Equal(120_000, summary.GetProperty("rows_in").GetInt64());
        Assert.Equal(rejects.Count, summary.GetProperty("rows_rejected").GetInt64());
        Assert.True(File.Exists(dir.Sub("out/_SUCCESS")));
        Assert.False(Directory.Exists(dir.Sub("out/_temporary")));
        // One file per date partition, however many workers and row groups.
        Assert.Equal(60, Directory.GetDirectories(dir.Sub("out"), "txn_date=*").Length);
        Assert.All(Directory.GetDirectories(dir.Sub("out"), "txn_date=*"), d => Assert.Single(Directory.GetFiles(d)));
    }

    private static decimal Oracle(decimal amount, decimal targetRate, decimal sourceRate)
    {
        static (BigInteger, BigInteger) Fraction(decimal value)
        {
            var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var point = text.IndexOf('.');
            var digits = point < 0 ? 0 : text.Length - point - 1;
            return (BigInteger.Parse(text.Replace(".", "")), BigInteger.Pow(10, digits));
        }
        var (an, ad) = Fraction(amount);
        var (tn, td) = Fraction(targetRate);
        var (sn, sd) = Fraction(sourceRate);
        var numerator = an * tn * sd * 100;
        var denominator = ad * td * sn;
        var quotient = BigInteger.DivRem(BigInteger.Abs(numerator), denominator, out var remainder);
        if (remainder * 2 >= denominator)
            quotient++;
        var result = decimal.Parse(quotient.ToString()) / 100m;
        return numerator.Sign < 0 ? -result : result;
    }
}
