using FxEngine.Data;
using FxEngine.Sources.Rates;
using FxEngine.Transforms;
using Parquet.Schema;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

public class BatchNormalizerTests
{
    private static readonly RateTable Rates = new(
    [
        RateSnapshotParser.Parse(Utf8(SnapshotJson(D("2024-01-01"), ("SGD", "1.34"), ("EUR", "0.92"), ("JPY", "155"), ("KWD", "0.307"))), "t", D("2024-01-01")),
        RateSnapshotParser.Parse(Utf8(SnapshotJson(D("2024-01-03"), ("SGD", "1.35"), ("EUR", "0.90"), ("JPY", "150"))), "t", D("2024-01-03")),
    ], "SGD", 1);

    private static ColumnBatch Batch(string?[] dates, string?[] currencies, string?[] amounts) => new("test.csv",
    [
        Strings("txn_id", dates.Select((_, i) => $"T{i}").ToArray()),
        Strings("txn_date", dates), Strings("currency", currencies), Strings("amount", amounts),
    ]);

    private static Dictionary<string, string> RejectsById(NormalizedBatch result) =>
        RejectRows(result).ToDictionary(r => r.Id, r => r.Reason);

    /// <summary>Every reject of a batch with its partition (null: the default partition), reason and detail.</summary>
    private static List<(string Id, DateOnly? Partition, string Reason, string? Detail)> RejectRows(NormalizedBatch result) =>
        result.Rejects.SelectMany(part =>
        {
            var ids = ((StringColumn)part.Rows.Find("txn_id")!).Values.ToArray();
            var reasons = ((StringColumn)part.Rows.Find(OutputSchema.ReasonColumn)!).Values.ToArray();
            var details = ((StringColumn)part.Rows.Find(OutputSchema.DetailColumn)!).Values.ToArray();
            return ids.Select((id, i) => (id!, part.Date, reasons[i]!, details[i]));
        }).ToList();

    [Fact]
    public void Normalize_EveryRejectReason_KeepsRowWithReason()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var result = normalizer.Normalize(Batch(
            ["2024-01-01", "2024-13-45", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2023-12-31", "2024-01-03", null, "2024-01-01"],
            ["EUR", "EUR", "US$", "ABC", "EUR", "EUR", "EUR", "KWD", "EUR", null],
            ["10", "10", "10", "10", "ten", null, "10", "10", "10", "10"]));

        var rejects = RejectsById(result);
        Assert.Equal(new Dictionary<string, string>
        {
            ["T1"] = RejectReason.InvalidDate, ["T2"] = RejectReason.InvalidCurrency, ["T3"] = RejectReason.UnknownCurrency,
            ["T4"] = RejectReason.InvalidAmount, ["T5"] = RejectReason.InvalidAmount, ["T6"] = RejectReason.MissingRate,
            // KWD last quoted 01-01; with max 1 stale day 01-03 has none.
            ["T7"] = RejectReason.MissingRate, ["T8"] = RejectReason.InvalidDate, ["T9"] = RejectReason.InvalidCurrency,
        }, rejects);
        Assert.Equal(1, result.Stats.RowsOut);
        Assert.Equal(10, result.Stats.RowsIn);
        Assert.Equal(9, result.Stats.RowsRejected);
        // Every input column survives in the rejects but txn_date, which their partition folder holds.
        Assert.All(result.Rejects, part => Assert.Equal(["txn_id", "currency", "amount", "reject_reason", "reject_detail"], part.Rows.Fields.Select(f => f.Name)));
    }

    [Fact]
    public void Normalize_EveryRejectReason_KeepsRawValueAndPartitionsByDate()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var result = normalizer.Normalize(Batch(
            ["2024-01-01", "2024-13-45", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2023-12-31", "2024-01-03", null, "2024-01-01"],
            ["EUR", " eur ", " US$", "abc ", "EUR", "EUR", " eur", "KWD", "EUR", null],
            ["10", "10", "10", "10", " ten", null, "10", "10", "10", "10"]));

        Assert.Equal(
        [
            ("T1", null, RejectReason.InvalidDate, "2024-13-45"),
            ("T2", D("2024-01-01"), RejectReason.InvalidCurrency, " US$"),
            ("T3", D("2024-01-01"), RejectReason.UnknownCurrency, "abc "),
            ("T4", D("2024-01-01"), RejectReason.InvalidAmount, " ten"),
            ("T5", D("2024-01-01"), RejectReason.InvalidAmount, null),
            ("T6", D("2023-12-31"), RejectReason.MissingRate, "EUR"),
            ("T7", D("2024-01-03"), RejectReason.MissingRate, "KWD"),
            ("T8", null, RejectReason.InvalidDate, null),
            ("T9", D("2024-01-01"), RejectReason.InvalidCurrency, null),
        ], RejectRows(result).OrderBy(r => r.Id, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Normalize_TypedRejects_DetailIsInvariantTextOfTheValue()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var batch = new ColumnBatch("typed.parquet",
        [
            Strings("txn_id", "T0", "T1", "T2"),
            new OptionalColumn<DateOnly>(new DataField<DateOnly>("txn_date", nullable: true), [D("2024-01-01"), D("2024-01-01"), null]),
            Strings("currency", "EUR", "EUR", "EUR"),
            // 1e16 EUR is too large for DECIMAL(18,2) in SGD: invalid_amount, shown with the column's four places.
            new OptionalColumn<decimal>(new DecimalDataField("amount", 38, 4, isNullable: true), [10_000_000_000_000_000m, -0.002m, 1m]),
        ]);

        var result = normalizer.Normalize(batch);

        Assert.Equal(
        [
            ("T0", D("2024-01-01"), RejectReason.InvalidAmount, "10000000000000000.0000"),
            ("T2", null, RejectReason.InvalidDate, null),
        ], RejectRows(result).OrderBy(r => r.Id, StringComparer.Ordinal).ToList());
        // A rejected row is never also a converted one (a too-large amount once was both, and failed the write).
        Assert.Equal(["T1"], result.Partitions.SelectMany(p => ((StringColumn)p.Rows.Find("txn_id")!).Values.ToArray()));
    }

    [Fact]
    public void Normalize_PaddedLowerCaseCode_FxCurrencyIsTheCodeUsed()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var result = normalizer.Normalize(Batch(["2024-01-01", "2024-01-01", "2024-01-01"], [" sgd ", "\teur\r\n", "JPY"], ["1", "1", "1"]));

        var rows = result.Partitions.Single().Rows;
        Assert.Equal(["SGD", "EUR", "JPY"], Texts(rows.Find(OutputSchema.CurrencyColumn)!));
        // The input's own spelling stays in its column; txn_date leaves the rows for the folder name.
        Assert.Equal([" sgd ", "\teur\r\n", "JPY"], ((StringColumn)rows.Find("currency")!).Values.ToArray().Select(v => v!));
        Assert.Equal(["txn_id", "currency", "amount", "fx_currency", "amount_sgd", "fx_rate", "fx_rate_date", "fx_status"], rows.Fields.Select(f => f.Name));
        var rate = (DecimalDataField)rows.Find(OutputSchema.RateColumn)!.Field;
        Assert.Equal((38, 18), (rate.Precision, rate.Scale));
    }

    [Fact]
    public void Validate_TxnDateColumnThatIsNotTheDateColumn_NamesBothAndTheOption()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping(Date: "booked_at"));
        var batch = new ColumnBatch("two-dates.parquet",
        [
            Dates("booked_at", D("2024-01-01")), Dates("txn_date", D("2024-01-02")), Strings("currency", "EUR"), Amounts("amount", 1m),
        ]);
        var error = Assert.Throws<FxException>(() => normalizer.Normalize(batch));
        Assert.Contains("column 'txn_date' is the output's partition column", error.Message);
        Assert.Contains("'booked_at'", error.Message);
        Assert.Contains("--date-column txn_date", error.Message);
    }

    [Fact]
    public void Normalize_DateColumnWithAnotherName_StaysInTheRows()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping(Date: "booked_at"));
        var batch = new ColumnBatch("booked.parquet", [Dates("booked_at", D("2024-01-01")), Strings("currency", "EUR"), Amounts("amount", 1m)]);
        var rows = normalizer.Normalize(batch).Partitions.Single().Rows;
        Assert.Equal(D("2024-01-01"), ((RequiredColumn<DateOnly>)rows.Find("booked_at")!).Values.ToArray().Single());
    }

    [Fact]
    public void Normalize_LowerCaseAndPaddedCodes_AreConverted()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var result = normalizer.Normalize(Batch(["2024-01-01", "2024-01-01", "2024-01-01"], ["eur", " Eur ", "jpy"], ["92", "9.2", "155"]));
        Assert.Empty(result.Rejects);
        var amounts = (RequiredColumn<decimal>)result.Partitions.Single().Rows.Find("amount_sgd")!;
        Assert.Equal([134.00m, 13.40m, 1.34m], amounts.Values);
        Assert.Equal(["EUR", "JPY"], result.Stats.Currencies.Keys);
    }

    [Fact]
    public void Normalize_StaleRate_MarksStatusAndRateDate()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var result = normalizer.Normalize(Batch(["2024-01-02", "2024-01-03"], ["EUR", "EUR"], ["100", "100"]));
        var byDate = result.Partitions.ToDictionary(p => p.Date, p => p.Rows);
        var stale = byDate[D("2024-01-02")];
        Assert.Equal("stale", Texts(stale.Find("fx_status")!).Single());
        Assert.Equal(D("2024-01-01"), ((RequiredColumn<DateOnly>)stale.Find("fx_rate_date")!).Values.ToArray().Single());
        Assert.Equal(145.65m, ((RequiredColumn<decimal>)stale.Find("amount_sgd")!).Values.ToArray().Single()); // 100 * 1.34 / 0.92 = 145.652...
        Assert.Equal("exact", Texts(byDate[D("2024-01-03")].Find("fx_status")!).Single());
        Assert.Equal(1, result.Stats.StaleRows);
    }

    [Fact]
    public void Normalize_TypedColumns_DecodesDecimalDoubleIntegerAndTimestamp()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping("ts", "ccy", "amt"));
        ColumnBatch Typed(Column amount) => new("typed.parquet",
        [
            new OptionalColumn<DateTime>(new DataField<DateTime>("ts", nullable: true), [new DateTime(2024, 1, 1, 23, 30, 0, DateTimeKind.Utc), null]),
            Strings("ccy", "JPY", "JPY"),
            amount,
        ]);

        foreach (var amount in new Column[]
        {
            new OptionalColumn<double>(new DataField<double>("amt", nullable: true), [1550.5, 1]),
            new RequiredColumn<long>(new DataField<long>("amt", nullable: false), [1550L, 1]),
            Amounts("amt", 1550.5m, 1m),
        })
        {
            var result = normalizer.Normalize(Typed(amount));
            var converted = ((RequiredColumn<decimal>)result.Partitions.Single().Rows.Find("amount_sgd")!).Values.ToArray().Single();
            Assert.Equal(13.40m, converted); // 1550 or 1550.5 JPY * 1.34 / 155
            Assert.Equal(RejectReason.InvalidDate, ((StringColumn)result.Rejects.Single().Rows.Find("reject_reason")!).Values.ToArray().Single());
        }
    }

    [Fact]
    public void Normalize_DoubleAmount_UsesShortestRoundTripValue()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var batch = new ColumnBatch("d.parquet",
        [
            Dates("txn_date", D("2024-01-01"), D("2024-01-01")), Strings("currency", "SGD", "SGD"),
            new RequiredColumn<double>(new DataField<double>("amount", nullable: false), [2.675, double.NaN]),
        ]);
        var result = normalizer.Normalize(batch);
        // (decimal)2.675 through binary would be 2.67499999...; the written value 2.675 rounds up.
        Assert.Equal(2.68m, ((RequiredColumn<decimal>)result.Partitions.Single().Rows.Find("amount_sgd")!).Values.ToArray().Single());
        Assert.Equal(RejectReason.InvalidAmount, ((StringColumn)result.Rejects.Single().Rows.Find("reject_reason")!).Values.ToArray().Single());
    }

    [Fact]
    public void Validate_MissingColumn_NamesColumnAndOption()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping(Amount: "value"));
        var error = Assert.Throws<FxException>(() => normalizer.Normalize(Batch(["2024-01-01"], ["EUR"], ["1"])));
        Assert.Equal("test.csv: amount column 'value' not found (columns: txn_id, txn_date, currency, amount); name it with --amount-column", error.Message);
    }

    [Fact]
    public void Validate_WrongType_NamesColumnAndType()
    {
        var normalizer = new BatchNormalizer(Rates, new ColumnMapping());
        var batch = new ColumnBatch("bad.parquet row group 0",
        [
            Dates("txn_date", D("2024-01-01")), Strings("currency", "EUR"),
            new RequiredColumn<bool>(new DataField<bool>("amount", nullable: false), [true]),
        ]);
        var error = Assert.Throws<FxException>(() => normalizer.Normalize(batch));
        Assert.Equal("bad.parquet row group 0: column 'amount' (amount) has type BOOLEAN NOT NULL; expected a decimal, an integer, a double or a string", error.Message);
    }

    /// <summary>The texts of an added code column (fx_currency, fx_status).</summary>
    private static string[] Texts(Column column)
    {
        var codes = Assert.IsType<CodeColumn>(column);
        return Enumerable.Range(0, codes.Length).Select(codes.Text).ToArray();
    }
}
