using System.Text;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Streaming;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// What the stream does with messages that are not good transactions, and with rates that
/// arrive after their day's transactions: a reject with its reason, a dead letter for what is
/// not a transaction at all, and the partition goes on.
/// </summary>
public class StreamMessagesScenarioTests
{
    [Fact]
    public async Task PoisonMessages_BecomeRejectsAndDeadLetters_AndTheStreamGoesOn()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var day = D("2024-06-03");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        var huge = $"{{\"txn_id\":\"big\",\"txn_date\":\"2024-06-03\",\"currency\":\"EUR\",\"amount\":1,\"note\":\"{new string('x', 2_000_000)}\"}}";
        var poison = new (string Key, string Value)[]
        {
            ("p1", "this is not json"),
            ("p2", "[1, 2, 3]"),
            ("p3", "{\"txn_id\":\"p3\",\"txn_date\":\"2024-06-03\",\"amount\":5}"),
            ("p4", huge),
            ("p5", "{\"txn_id\":\"p5\",\"txn_date\":\"2024-13-45\",\"currency\":\"EUR\",\"amount\":\"10.00\"}"),
            ("p6", "{\"txn_id\":\"p6\",\"txn_date\":\"2024-06-03\",\"currency\":\"EUR\",\"amount\":\"10.00\",\"fx_rate\":\"1\"}"),
            ("p7", "{\"txn_id\":\"p7\",\"txn_date\":\"2024-06-03T22:15:00-05:00\",\"currency\":\"eur\",\"amount\":12.345}"),
            ("p8", "{\"txn_id\":\"p8\",\"txn_date\":\"2024-06-03\",\"currency\":\"EUR\",\"amount\":1,\"\":\"no name\"}"),
            ("p9", "{" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"f{i}\":1")) + "}"),
            ("p10", "{\"txn_id\":\"p10\",\"txn_date\":\"2024-06-03\",\"currency\":\"SGD\",\"amount\":1.25E+3}"),
        };
        foreach (var (key, value) in poison)
            StreamTest.ProduceRaw(producer, "transactions", key, Encoding.UTF8.GetBytes(value));
        var good = StreamTest.Transactions(1_000, day, 1, seed: 3);
        StreamTest.Produce(producer, "transactions", good);

        var result = await StreamJob.RunAsync(new StreamOptions { Lake = lake, Once = true }, kafka,
            _ => { }, null, default);

        Assert.Equal(poison.Length + good.Count, result.RowsIn);
        Assert.Equal(6, result.DeadLettered); // not JSON, an array, the 2 MB value, a column the normalizer adds, an empty name, 300 new columns
        var rejects = Query($"SELECT coalesce(txn_id, '') AS id, reject_reason AS reason, reject_detail AS detail FROM read_parquet('{Glob($"{lake}/rejected_data")}') ORDER BY detail")
            .Select(r => ((string)r["id"]!, (string)r["reason"]!, (string?)r["detail"])).ToList();
        var invalid = rejects.Where(r => r.Item2 == "invalid_message").Select(r => r.Item3!).ToList();
        Assert.Equal(6, invalid.Count);
        Assert.Contains(invalid, d => d.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(invalid, d => d.Contains("not a JSON object (it starts with an array)", StringComparison.Ordinal));
        Assert.Contains(invalid, d => d.Contains("over the 256 KiB", StringComparison.Ordinal));
        Assert.Contains(invalid, d => d.Contains("'fx_rate' is a column the normalizer adds", StringComparison.Ordinal));
        Assert.Contains(invalid, d => d.Contains("field name '' is empty", StringComparison.Ordinal));
        Assert.Contains(invalid, d => d.Contains("would take the table past 256 columns", StringComparison.Ordinal));
        Assert.All(invalid, d => Assert.StartsWith("transactions[", d));
        Assert.Contains(("p3", "invalid_currency", (string?)null), rejects);
        Assert.Contains(("p5", "invalid_date", (string?)"2024-13-45"), rejects);
        // A timestamp stands for its UTC date, and a lower-case code is a code: p7 converts.
        var p7 = Query($"SELECT CAST(txn_date AS VARCHAR) AS d, fx_currency AS c FROM read_parquet('{Glob($"{lake}/processed_data")}', hive_partitioning = true) WHERE txn_id = 'p7'");
        Assert.Equal(("2024-06-04", "EUR"), ((string)Assert.Single(p7)["d"]!, (string)p7[0]["c"]!));
        Assert.Equal(poison.Length + good.Count, StreamTest.LakeRows(lake).Count);

        // A JSON number's exponent form is the same amount.
        Assert.Equal("1250.00", (string)Assert.Single(Query($"SELECT CAST(amount_sgd AS VARCHAR) AS a FROM read_parquet('{Glob($"{lake}/processed_data")}') WHERE txn_id = 'p10'"))["a"]!);
        var letters = KafkaTest.ReadAll(broker, "transactions.dlq", 6);
        Assert.Equal(6, letters.Count);
        Assert.All(letters, l => Assert.Equal("invalid_message", Encoding.UTF8.GetString(l.Message.Headers.GetLastBytes("fx-dlq-reason"))));
        Assert.Contains(letters, l => l.Message.Key == "p4" && l.Message.Value!.Length == 256 * 1024);
    }

    [Fact]
    public async Task UndatedRejectsOfManyFlushes_CompactedIntoOneFile_EveryRowKeptAsItWas()
    {
        using var scenario = new StreamScenario();
        var (_, _, lake, producer, kafka) = scenario;
        var day = D("2024-06-03");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        var options = new StreamOptions { Lake = lake, Once = true, CompactAfterFiles = 3 };
        // Four flushes, each with a message that is no transaction and a row without a valid date;
        // the third adds a column, so the undated files differ in schema.
        for (var flush = 0; flush < 4; flush++)
        {
            StreamTest.ProduceRaw(producer, "transactions", $"bad{flush}", Encoding.UTF8.GetBytes($"not json {flush}"));
            var extra = flush >= 2 ? ",\"channel\":\"web\"" : "";
            StreamTest.ProduceRaw(producer, "transactions", $"d{flush}", Encoding.UTF8.GetBytes($"{{\"txn_id\":\"d{flush}\",\"txn_date\":\"2024-99-0{flush}\",\"currency\":\"EUR\",\"amount\":1{extra}}}"));
            await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        }
        var undated = $"{lake}/rejected_data/txn_date=__HIVE_DEFAULT_PARTITION__";
        Assert.Equal(4, Directory.GetFiles(undated).Length);
        var before = Rows(undated);

        // The next start compacts the partition the last flush left with more than three files.
        var log = KafkaTest.Log();
        await StreamJob.RunAsync(options, kafka, log.Enqueue, null, default);

        Assert.Contains(log, l => l.StartsWith("__HIVE_DEFAULT_PARTITION__: compacted 4 streamed file(s)", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(undated));
        Assert.Equal(before, Rows(undated));
        Assert.Equal(8, StreamTest.Committed(lake));
        Assert.Contains(("d3", "invalid_date", "web"), Rows(undated).Select(r => (r.Id, r.Reason, r.Channel)));

        static List<(string Id, string Reason, string? Detail, string? Channel)> Rows(string folder) =>
            Query($"SELECT coalesce(txn_id, '') AS id, reject_reason AS r, reject_detail AS d, channel FROM read_parquet('{folder}/*.parquet', union_by_name = true) ORDER BY id, d")
                .Select(r => ((string)r["id"]!, (string)r["r"]!, r["d"] as string, r["channel"] as string)).ToList();
    }

    [Fact]
    public async Task LateSnapshot_WithinGraceConvertsExactly_BeyondGraceTakesTheAsOfRuleAndIsRestated()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var (early, onTime, late) = (D("2024-07-01"), D("2024-07-02"), D("2024-07-03"));
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [early]);
        using var stop = new CancellationTokenSource();
        var log = KafkaTest.Log();
        var options = new StreamOptions { Lake = lake, Grace = TimeSpan.FromSeconds(4), FlushEvery = TimeSpan.FromMilliseconds(200) };
        var stream = StreamJob.RunAsync(options, kafka, log.Enqueue, null, stop.Token);

        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(50, onTime, 1, seed: 1, prefix: "a"));
        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(50, late, 1, seed: 2, prefix: "b"));
        await Task.Delay(1_000);
        Assert.Equal(0, StreamTest.Committed(lake)); // both days wait for their snapshots
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [onTime]); // within the grace
        await StreamTest.WaitUntilAsync(() => StreamTest.Committed(lake) == 50, TimeSpan.FromSeconds(30), () => string.Join(" | ", log));
        await StreamTest.WaitUntilAsync(() => StreamTest.Committed(lake) == 100, TimeSpan.FromSeconds(30), () => string.Join(" | ", log));
        Assert.Equal([("a", "exact", "2024-07-02"), ("b", "stale", "2024-07-02")], Statuses(lake)); // beyond the grace: the as-of rule
        var before = Directory.GetFiles($"{lake}/processed_data/txn_date=2024-07-03");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [late]);
        await StreamTest.WaitUntilAsync(() => log.Any(l => l.StartsWith("2024-07-03: restated 50 streamed row(s)", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), () => string.Join(" | ", log));
        stop.Cancel();
        await stream;

        // The late snapshot restated the day it serves, in place of its earlier files, and only that day.
        Assert.Equal([("a", "exact", "2024-07-02"), ("b", "exact", "2024-07-03")], Statuses(lake));
        Assert.DoesNotContain(Directory.GetFiles($"{lake}/processed_data/txn_date=2024-07-03"), before.Contains);
        Assert.DoesNotContain(log, l => l.StartsWith("2024-07-02: restated", StringComparison.Ordinal));
        Assert.Equal(100, StreamTest.Committed(lake));
    }

    [Fact]
    public async Task LateSnapshots_DayCompactedIntoSeveralRowGroups_RestatedRowGroupByRowGroup()
    {
        using var scenario = new StreamScenario();
        var (_, _, lake, producer, kafka) = scenario;
        var (twoBefore, before, day) = (D("2024-06-30"), D("2024-07-01"), D("2024-07-02"));
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [twoBefore]);
        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(150_000, day, 1, seed: 3));
        // Flushes of 70,000 rows: three files for the day.
        var options = new StreamOptions { Lake = lake, Once = true, Grace = TimeSpan.Zero, MaxBufferedRows = 70_000 };
        var first = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        Assert.Equal(3, Directory.GetFiles($"{lake}/processed_data/txn_date=2024-07-02").Length);

        // A nearer snapshot restates the day into one file: its row groups hold two files' rows (over 131,072), then the third's.
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [before]);
        await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        var file = Assert.Single(Directory.GetFiles($"{lake}/processed_data/txn_date=2024-07-02"));
        Assert.Equal(2L, Query($"SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('{file}')")[0]["n"]);
        Assert.Equal([("t", "stale", "2024-07-01")], Statuses(lake));

        // The day's own snapshot restates it again, reading that file a row group at a time.
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        var log = KafkaTest.Log();
        await StreamJob.RunAsync(options, kafka, log.Enqueue, null, default);

        Assert.Contains(log, l => l.StartsWith($"2024-07-02: restated 150,000 streamed row(s) with the rates that arrived since (0 stale, {first.RowsRejected:N0} rejected now)", StringComparison.Ordinal));
        Assert.Equal([("t", "exact", "2024-07-02")], Statuses(lake));
        Assert.Equal(first.RowsOut, (long)Query($"SELECT count(*) AS n FROM read_parquet('{Glob($"{lake}/processed_data")}')")[0]["n"]!);
        Assert.Equal(150_000, StreamTest.Committed(lake));
    }

    private static List<(string, string, string)> Statuses(string lake) =>
        Query($"SELECT substr(txn_id, 1, 1) AS k, fx_status AS s, CAST(fx_rate_date AS VARCHAR) AS r, count(*) AS n " +
              $"FROM read_parquet('{Glob($"{lake}/processed_data")}') GROUP BY ALL ORDER BY 1")
            .Select(r => ((string)r["k"]!, (string)r["s"]!, (string)r["r"]!)).ToList();
}

/// <summary>The wait buffer is bounded: when it is full the consumer pauses, and resumes once the rates arrive.</summary>
public class StreamBackpressureScenarioTests
{
    [Fact]
    public async Task FullWaitBuffer_PausesConsumption_UntilTheRatesArrive()
    {
        using var scenario = new StreamScenario();
        var (broker, dir, lake, producer, kafka) = scenario;
        var day = D("2024-12-02");
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day.AddDays(-1)]);
        var rows = StreamTest.Transactions(1_000, day, 1, seed: 12);
        StreamTest.Produce(producer, "transactions", rows);
        var reports = new System.Collections.Concurrent.ConcurrentQueue<StreamProgress>();
        using var stop = new CancellationTokenSource();
        var options = new StreamOptions { Lake = lake, MaxWaitingRows = 100, FlushEvery = TimeSpan.FromMilliseconds(200) };
        var stream = StreamJob.RunAsync(options, kafka, _ => { }, reports.Enqueue, stop.Token);

        await StreamTest.WaitUntilAsync(() => reports.Any(r => r.Paused) || stream.IsCompleted, TimeSpan.FromSeconds(30), () => $"{reports.Count} reports");
        var paused = reports.First(r => r.Paused);
        Assert.Equal(100, paused.RowsWaiting);
        Assert.Equal(100, paused.RowsRead);
        Assert.Equal(0, StreamTest.Committed(lake));

        StreamTest.ProduceRates(producer, "exchange-rates-topic", [day]);
        await StreamTest.WaitUntilAsync(() => StreamTest.Committed(lake) == rows.Count || stream.IsCompleted, TimeSpan.FromSeconds(60), () => $"{StreamTest.Committed(lake)} committed");
        stop.Cancel();
        await stream;
        Assert.DoesNotContain(reports, r => r.RowsWaiting > 100);
        Assert.Equal(rows.Count, StreamTest.LakeRows(lake).Count);
    }
}
