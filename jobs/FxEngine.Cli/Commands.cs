using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>The CLI's commands: parse arguments, bind options, call the engine, print.</summary>
internal static class Commands
{
    public static Command Run()
    {
        var lake = new Option<string>("--lake") { Description = "Lake root: a folder or s3://bucket/prefix", DefaultValueFactory = _ => "lake" };
        var rows = new Option<long>("--rows") { Description = "Sample rows to generate when the lake has no transactions", DefaultValueFactory = _ => 1_000_000 };
        var from = DateOption("--from", "First date of generated sample transactions (default: 90 days before --to)");
        var to = DateOption("--to", "Last date of generated sample transactions (default: yesterday, UTC)");
        var seed = new Option<int>("--seed") { Description = "Seed of the sample transactions", DefaultValueFactory = _ => 42 };
        var force = new Option<bool>("--force") { Description = "Fetch rates even for days the lake already has" };
        var latest = new Option<bool>("--latest") { Description = "Fetch rates up to today (UTC, its latest snapshot included) even when the transactions end earlier" };
        var noSample = new Option<bool>("--no-sample") { Description = "Fail when the lake has no transactions instead of generating sample ones (for scheduled jobs)" };
        var (target, stale, workers) = CommonOptions();
        var wait = WaitOption();
        var full = FullOption();

        var command = new Command("run", "The whole flow and the daily job: transactions (sample ones if none), missing rates into the lake, normalization")
        {
            lake, rows, from, to, seed, force, latest, noSample, target, stale, workers, wait, full,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new RunOptions
            {
                Lake = parse.GetValue(lake)!, SampleRows = parse.GetValue(rows), From = parse.GetValue(from), To = parse.GetValue(to),
                Seed = parse.GetValue(seed), Force = parse.GetValue(force), Latest = parse.GetValue(latest), GenerateSample = !parse.GetValue(noSample),
                Target = parse.GetValue(target)!,
                MaxStaleDays = parse.GetValue(stale), Workers = parse.GetValue(workers) ?? Environment.ProcessorCount, Wait = parse.GetValue(wait),
                Full = parse.GetValue(full), Kafka = EnvironmentSettings.Kafka(),
            };
            using var progress = new ProgressPrinter();
            using var http = new HttpClient();
            var result = await RunJob.RunAsync(options, RatesSource(http, progress.WriteLine), progress.WriteLine, progress, token);
            progress.Finish();
            Report.Print(result.Normalize, options.ProcessedData, options.RejectedData, result);
            return 0;
        });
        return command;
    }

    public static Command Normalize()
    {
        var rates = new Option<string>("--rates") { Description = "Location of the rate snapshots (exchange_rates/ or Kafka Connect output)", Required = true };
        var input = new Option<string>("--input") { Description = "Raw transactions: a folder of Parquet/CSV files, or one file", Required = true };
        var output = new Option<string>("--output") { Description = "Output folder, partitioned by txn_date=YYYY-MM-DD/ (replaced by each run)", Required = true };
        var rejects = new Option<string?>("--rejects") { Description = "Rejected rows folder (default: <output>_rejects next to the output)" };
        var dateColumn = new Option<string>("--date-column") { Description = "Transaction date column", DefaultValueFactory = _ => "txn_date" };
        var currencyColumn = new Option<string>("--currency-column") { Description = "Currency code column", DefaultValueFactory = _ => "currency" };
        var amountColumn = new Option<string>("--amount-column") { Description = "Amount column", DefaultValueFactory = _ => "amount" };
        var csvDelimiter = new Option<char>("--csv-delimiter")
        {
            Description = "Field separator of CSV input: one character, or \\t (or tab) for a tab",
            DefaultValueFactory = _ => ',',
            CustomParser = result => ParseDelimiter(result.Tokens.Single().Value, result),
        };
        var engine = new Option<string>("--engine") { Description = "Executor: engine (in-process, any location) or duckdb (the rendered SQL in DuckDB, local folders)", DefaultValueFactory = _ => "engine" };
        engine.AcceptOnlyFromAmong("engine", "duckdb");
        var (target, stale, workers) = CommonOptions();
        var wait = WaitOption();
        var full = FullOption();

        var command = new Command("normalize", "Convert transactions into the target currency with the as-of daily rate")
        {
            rates, input, output, rejects, target, stale, workers, dateColumn, currencyColumn, amountColumn, csvDelimiter, engine, wait, full,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new NormalizeOptions
            {
                Rates = parse.GetValue(rates)!, Input = parse.GetValue(input)!, Output = parse.GetValue(output)!, Rejects = parse.GetValue(rejects),
                Target = parse.GetValue(target)!, MaxStaleDays = parse.GetValue(stale), Workers = parse.GetValue(workers) ?? Environment.ProcessorCount,
                Columns = new ColumnMapping(parse.GetValue(dateColumn)!, parse.GetValue(currencyColumn)!, parse.GetValue(amountColumn)!),
                Wait = parse.GetValue(wait),
                Full = parse.GetValue(full),
                CsvDelimiter = parse.GetValue(csvDelimiter),
            };
            using var progress = new ProgressPrinter();
            var result = parse.GetValue(engine) == "duckdb"
                ? await DuckDbNormalizeJob.RunAsync(options, token, Console.Error.WriteLine)
                : await NormalizeJob.RunAsync(options, progress, token, Console.Error.WriteLine);
            progress.Finish();
            Report.Print(result, options.Output, options.RejectsLocation);
            return 0;
        });
        return command;
    }

    public static Command Generate()
    {
        var rows = new Option<long>("--rows") { Description = "Rows to generate", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write Parquet files into", Required = true };
        var from = DateOption("--from", "First transaction date (default: 90 days before --to)");
        var to = DateOption("--to", "Last transaction date (default: yesterday, UTC)");
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes the same rows", DefaultValueFactory = _ => 42 };

        var command = new Command("generate", "Write realistic raw transactions as Parquet") { rows, output, from, to, seed };
        command.SetAction(async (parse, token) =>
        {
            var options = new GenerateOptions
            {
                Rows = parse.GetValue(rows), Output = parse.GetValue(output)!, From = parse.GetValue(from), To = parse.GetValue(to), Seed = parse.GetValue(seed),
            };
            using var progress = new ProgressPrinter();
            var files = await TransactionGenerator.WriteAsync(options, progress, token);
            progress.Finish();
            Console.WriteLine($"wrote {options.Rows:N0} rows ({options.FirstDate:yyyy-MM-dd} to {options.LastDate:yyyy-MM-dd}) in {files.Count} file(s) under {Path.GetFullPath(options.Output)}");
            return 0;
        });
        return command;
    }

    public static Command Produce()
    {
        var date = DateOption("--date", "Publish the snapshot of one day");
        var from = DateOption("--from", "First day of a backfill (with --to)");
        var to = DateOption("--to", "Last day of a backfill");
        var latest = new Option<bool>("--latest") { Description = "Publish the latest snapshot (the default)" };
        var every = new Option<TimeSpan?>("--every")
        {
            Description = "Keep running, publishing again every interval (30s, 15m, 1h, 1d) until Ctrl+C or SIGTERM",
            CustomParser = result => ParseInterval("--every", result.Tokens.Single().Value, result),
        };
        var lake = new Option<string?>("--lake") { Description = "Skip backfill days this lake already has in exchange_rates/" };
        var force = new Option<bool>("--force") { Description = "Fetch even days the lake already has" };
        var (bootstrap, topic) = KafkaOptions();
        var command = new Command("produce", "Fetch rates (Open Exchange Rates when OXR_APP_ID is set, else synthetic) and publish them to Kafka")
        {
            date, from, to, latest, every, lake, force, bootstrap, topic,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new ProduceOptions
            {
                Date = parse.GetValue(date), From = parse.GetValue(from), To = parse.GetValue(to), Latest = parse.GetValue(latest),
                Every = parse.GetValue(every), Lake = parse.GetValue(lake), Force = parse.GetValue(force),
            };
            options.Validate(); // before the rates source, whose settings fail later and differently
            using var http = new HttpClient();
            using var progress = new ProgressPrinter();
            var result = await ProduceJob.RunAsync(options, RatesSource(http, progress.WriteLine), Kafka(parse, bootstrap, topic), progress.WriteLine, token, progress);
            progress.Finish();
            Console.WriteLine($"published {result.Published} snapshot(s), skipped {result.Skipped} already in the lake");
            token.ThrowIfCancellationRequested(); // stopped by a signal: exit 130 after the flush
            return 0;
        });
        return command;
    }

    public static Command Sink()
    {
        var lake = new Option<string>("--lake") { Description = "Lake root: snapshots land in <lake>/exchange_rates/", DefaultValueFactory = _ => "lake" };
        var once = new Option<bool>("--once") { Description = "Drain the topic and exit (for batch schedulers); default: run until stopped" };
        var group = new Option<string>("--group") { Description = "Consumer group", DefaultValueFactory = _ => "fxengine-lake-sink" };
        var assignmentTimeout = new Option<TimeSpan?>("--assignment-timeout")
        {
            Description = $"With --once: how long to wait for the end of every partition before failing (a crashed member holds its partitions until its session times out) [default: {LakeSinkJob.DefaultAssignmentTimeout.TotalSeconds:0}s]",
            CustomParser = result => ParseInterval("--assignment-timeout", result.Tokens.Single().Value, result),
        };
        var (bootstrap, topic) = KafkaOptions();
        var command = new Command("sink", "Consume the rates topic and land each snapshot in the lake; bad messages go to <topic>.dlq")
        {
            lake, once, group, assignmentTimeout, bootstrap, topic,
        };
        command.SetAction(async (parse, token) =>
        {
            var kafka = Kafka(parse, bootstrap, topic) with { GroupId = parse.GetValue(group)! };
            var result = await LakeSinkJob.RunAsync(kafka, parse.GetValue(lake)!, parse.GetValue(once), Console.Error.WriteLine, token,
                parse.GetValue(assignmentTimeout));
            Console.WriteLine($"landed {result.Written} snapshot(s), {result.DeadLettered} sent to {kafka.DeadLetter}");
            token.ThrowIfCancellationRequested(); // stopped by a signal, after leaving the group: exit 130
            return 0;
        });
        return command;
    }

    public static Command Broker()
    {
        var command = new Command("broker", "Start an embedded Kafka-protocol dev broker and print its bootstrap address; runs until Ctrl+C");
        command.SetAction(async (_, token) =>
        {
            using var broker = new EmbeddedBroker();
            Console.WriteLine(broker.BootstrapServers);
            Console.Error.WriteLine($"embedded Kafka broker listening; export KAFKA_BOOTSTRAP_SERVERS={broker.BootstrapServers} in other shells. Ctrl+C stops it (nothing is persisted).");
            try { await Task.Delay(Timeout.Infinite, token); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return command;
    }

    public static Command Emr()
    {
        var rates = new Option<string>("--rates") { Description = "Rate snapshots location", Required = true };
        var input = new Option<string>("--input") { Description = "Raw transactions (Parquet) location, e.g. s3://bucket/raw_transactions/", Required = true };
        var output = new Option<string>("--output") { Description = "Output location, e.g. s3://bucket/processed_data/", Required = true };
        var rejects = new Option<string?>("--rejects") { Description = "Rejected rows location (default: <output>_rejects)" };
        var staging = new Option<string>("--staging") { Description = "Where the submission's files go, e.g. s3://bucket/jobs/2024-06/", Required = true };
        var sparkVersion = new Option<string>("--spark-version") { Description = "Spark minor version of the cluster (EMR 7.x: 3.5)", DefaultValueFactory = _ => "3.5" };
        var tablePrefix = new Option<string>("--table-prefix") { Description = "Table name prefix of the spark-sql route", DefaultValueFactory = _ => "fxengine" };
        var (target, stale, _) = CommonOptions();

        var plan = new Command("plan", "Write the rate table, plan, Spark SQL, EMR step definitions and bootstrap action for a Spark run")
        {
            rates, input, output, rejects, staging, target, stale, sparkVersion, tablePrefix,
        };
        plan.SetAction(async (parse, token) =>
        {
            var files = await EmrPlanJob.RunAsync(new EmrPlanOptions
            {
                Normalize = new NormalizeOptions
                {
                    Rates = parse.GetValue(rates)!, Input = parse.GetValue(input)!, Output = parse.GetValue(output)!, Rejects = parse.GetValue(rejects),
                    Target = parse.GetValue(target)!, MaxStaleDays = parse.GetValue(stale),
                },
                Staging = parse.GetValue(staging)!,
                SparkVersion = parse.GetValue(sparkVersion)!,
                TablePrefix = parse.GetValue(tablePrefix)!,
            }, token);
            foreach (var file in files)
                Console.WriteLine(file);
            Console.Error.WriteLine("next: see README, 'Running on EMR' (aws emr add-steps --cluster-id j-... --steps file://steps-dotnet.json or steps-spark-sql.json)");
            return 0;
        });
        return new Command("emr", "Spark on Amazon EMR") { plan };
    }

    /// <summary>The real API (or the compatible server OXR_BASE_URL names) when OXR_APP_ID is set, the synthetic source otherwise.</summary>
    private static IRatesSource RatesSource(HttpClient http, Action<string> log)
    {
        if (EnvironmentSettings.OpenExchangeRates() is not { } oxr)
            return new SyntheticRatesSource();
        var source = new OpenExchangeRatesSource(http, oxr, log: log);
        log($"rates from Open Exchange Rates at {source.Endpoint} (OXR_APP_ID is set)");
        return source;
    }

    private static (Option<string?> Bootstrap, Option<string> Topic) KafkaOptions() =>
    (
        new Option<string?>("--bootstrap-servers") { Description = "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS); other librdkafka settings come from FXENGINE_KAFKA_* variables" },
        new Option<string>("--topic") { Description = "Rates topic", DefaultValueFactory = _ => "exchange-rates-topic" }
    );

    private static KafkaSettings Kafka(ParseResult parse, Option<string?> bootstrap, Option<string> topic)
    {
        var settings = EnvironmentSettings.Kafka() with { Topic = parse.GetValue(topic)! };
        return parse.GetValue(bootstrap) is { Length: > 0 } servers ? settings with { BootstrapServers = servers } : settings;
    }

    private static TimeSpan? ParseInterval(string name, string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        var units = new Dictionary<char, double> { ['s'] = 1, ['m'] = 60, ['h'] = 3600, ['d'] = 86400 };
        if (text.Length > 1 && units.TryGetValue(text[^1], out var seconds)
            && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var count) && count > 0)
            return TimeSpan.FromSeconds(count * seconds);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            return span;
        result.AddError($"{name} '{text}' is not an interval; use 30s, 15m, 1h or 1d");
        return null;
    }

    private static Option<bool> FullOption() => new("--full")
    {
        Description = "Recompute and replace every partition; default: only the partitions whose inputs, rates or settings changed since the last run",
    };

    private static Option<TimeSpan?> WaitOption() => new("--wait")
    {
        Description = "When another run is writing the same output: wait up to this long (30s, 10m) for it to finish; default: fail at once naming it",
        CustomParser = result => ParseInterval("--wait", result.Tokens.Single().Value, result),
    };

    private static char ParseDelimiter(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (text is "\\t" or "tab")
            return '\t';
        if (text.Length == 1)
            return text[0];
        result.AddError($"--csv-delimiter '{text}' is not one character; use one like ',', ';', '|' or \\t for a tab");
        return ',';
    }

    private static (Option<string> Target, Option<int> Stale, Option<int?> Workers) CommonOptions() =>
    (
        new Option<string>("--target") { Description = "Reporting currency (ISO 4217)", DefaultValueFactory = _ => "SGD" },
        new Option<int>("--max-stale-days") { Description = "How many days back a rate may come from", DefaultValueFactory = _ => 7 },
        // No default value here: help would print this machine's core count as if it were fixed.
        new Option<int?>("--workers") { Description = "Concurrent workers per stage (default: the number of cores)" }
    );

    private static Option<DateOnly?> DateOption(string name, string description) => new(name)
    {
        Description = $"{description}; YYYY-MM-DD",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return date;
            result.AddError($"{name} '{text}' is not a date; use YYYY-MM-DD");
            return null;
        },
    };
}
