using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>The CLI's commands: parse arguments, bind options, call the engine, print. One file per group of commands.</summary>
internal static partial class Commands
{
    public static Command Generate()
    {
        var rows = new Option<long>("--rows") { Description = "Rows to generate", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write Parquet files into", Required = true };
        var from = DateOption("--from", "First transaction date (default: the 90 days ending at --to)");
        var to = DateOption("--to", "Last transaction date (default: yesterday, UTC)");
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes the same rows", DefaultValueFactory = _ => 42 };
        var rowsPerFile = new Option<int>("--rows-per-file") { Description = "Rows per file", DefaultValueFactory = _ => 1_000_000 };
        var rowGroupRows = new Option<int>("--row-group-rows") { Description = "Rows per row group (pyarrow writes 1,048,576, Spark about 128 MB)", DefaultValueFactory = _ => 250_000 };

        var command = new Command("generate", "Write realistic raw transactions as Parquet") { rows, output, from, to, seed, rowsPerFile, rowGroupRows };
        command.SetAction(async (parse, token) =>
        {
            var options = new GenerateOptions
            {
                Rows = parse.GetValue(rows), Output = parse.GetValue(output)!, From = parse.GetValue(from), To = parse.GetValue(to), Seed = parse.GetValue(seed),
                RowsPerFile = parse.GetValue(rowsPerFile), RowGroupRows = parse.GetValue(rowGroupRows),
            };
            using var progress = new ProgressPrinter();
            var files = await TransactionGenerator.WriteAsync(options, progress, token);
            progress.Finish();
            Console.WriteLine($"wrote {options.Rows:N0} rows ({options.FirstDate:yyyy-MM-dd} to {options.LastDate:yyyy-MM-dd}) in {files.Count} file(s) under {Path.GetFullPath(options.Output)}");
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

    private static Option<long?> MemoryBudgetOption() => new("--memory-budget")
    {
        Description = "Memory for the rows a run holds (512MB, 1GiB; at least 1MiB); past it rows wait in a temp file, so the rows held stay within it whatever the input size, and no more input row groups are read at once than fit in it (one larger than it alone) (units are powers of 1024) [default: 512MiB]",
        CustomParser = result => ParseSize("--memory-budget", result.Tokens.Single().Value, result),
    };

    /// <summary>A size with an optional unit: K, M, G, T, with or without B or iB, all powers of 1024; plain digits are bytes.</summary>
    internal static long? ParseSize(string option, string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        var trimmed = text.Trim();
        var digits = trimmed.TakeWhile(char.IsAsciiDigit).Count();
        var unit = trimmed[digits..].Trim().ToUpperInvariant();
        var shift = unit switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (digits == 0 || shift < 0 || !long.TryParse(trimmed[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > (long.MaxValue >> shift))
        {
            result.AddError($"{option} '{text}' is not a size; use one like 640MB or 1GiB");
            return null;
        }
        return number << shift;
    }

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

    /// <summary>The three key columns' names (<paramref name="kind"/>: "column" for files, "field" for messages).</summary>
    private sealed record KeyColumnOptions(Option<string> Date, Option<string> Currency, Option<string> Amount)
    {
        public static KeyColumnOptions For(string kind, string amountNote = "") => new(
            new Option<string>("--date-column") { Description = $"Transaction date {kind}", DefaultValueFactory = _ => "txn_date" },
            new Option<string>("--currency-column") { Description = $"Currency code {kind}", DefaultValueFactory = _ => "currency" },
            new Option<string>("--amount-column") { Description = $"Amount {kind}{amountNote}", DefaultValueFactory = _ => "amount" });

        public ColumnMapping Mapping(ParseResult parse) => new(parse.GetValue(Date)!, parse.GetValue(Currency)!, parse.GetValue(Amount)!);
    }

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
