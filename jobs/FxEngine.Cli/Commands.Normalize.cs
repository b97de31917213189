using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>run and normalize: the commands that write the output table.</summary>
internal static partial class Commands
{
    public static Command Run()
    {
        var lake = new Option<string>("--lake") { Description = "Lake root: a folder or s3://bucket/prefix", DefaultValueFactory = _ => "lake" };
        var rows = new Option<long>("--rows") { Description = "Sample rows to generate when the lake has no transactions", DefaultValueFactory = _ => 1_000_000 };
        var from = DateOption("--from", "First date of generated sample transactions (default: the 90 days ending at --to)");
        var to = DateOption("--to", "Last date of generated sample transactions (default: yesterday, UTC)");
        var seed = new Option<int>("--seed") { Description = "Seed of the sample transactions", DefaultValueFactory = _ => 42 };
        var force = new Option<bool>("--force") { Description = "Fetch rates even for days the lake already has" };
        var latest = new Option<bool>("--latest") { Description = "Fetch rates up to today (UTC, its latest snapshot included) even when the transactions end earlier" };
        var noSample = new Option<bool>("--no-sample") { Description = "Fail when the lake has no transactions instead of generating sample ones (for scheduled jobs)" };
        var (target, stale, workers) = CommonOptions();
        var wait = WaitOption();
        var full = FullOption();
        var memoryBudget = MemoryBudgetOption();

        var command = new Command("run", "The whole flow and the daily job: transactions (sample ones if none), missing rates into the lake, normalization")
        {
            lake, rows, from, to, seed, force, latest, noSample, target, stale, workers, memoryBudget, wait, full,
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
            if (parse.GetValue(memoryBudget) is { } budget)
                options = options with { MemoryBudget = budget };
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
        var input = new Option<string>("--input") { Description = "Raw transactions: a folder (or s3://bucket/prefix) of Parquet/CSV files, or one file", Required = true };
        var output = new Option<string>("--output") { Description = "Output folder (or s3://bucket/prefix), partitioned by txn_date=YYYY-MM-DD/; a run replaces the partitions it recomputes", Required = true };
        var rejects = new Option<string?>("--rejects") { Description = "Rejected rows folder (default: <output>_rejects next to the output)" };
        var columns = KeyColumnOptions.For("column");
        var csvDelimiter = new Option<char>("--csv-delimiter")
        {
            Description = "Field separator of CSV input: one character, or \\t (or tab) for a tab",
            DefaultValueFactory = _ => ',',
            CustomParser = result => ParseDelimiter(result.Tokens.Single().Value, result),
        };
        var memoryBudget = MemoryBudgetOption();
        var engine = new Option<string>("--engine") { Description = "Executor: engine (in-process, any location) or duckdb (the rendered SQL in DuckDB, local folders)", DefaultValueFactory = _ => "engine" };
        engine.AcceptOnlyFromAmong("engine", "duckdb");
        var (target, stale, workers) = CommonOptions();
        var wait = WaitOption();
        var full = FullOption();

        var command = new Command("normalize", "Convert transactions into the target currency with the as-of daily rate")
        {
            rates, input, output, rejects, target, stale, workers, columns.Date, columns.Currency, columns.Amount, csvDelimiter, memoryBudget, engine, wait, full,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new NormalizeOptions
            {
                Rates = parse.GetValue(rates)!, Input = parse.GetValue(input)!, Output = parse.GetValue(output)!, Rejects = parse.GetValue(rejects),
                Target = parse.GetValue(target)!, MaxStaleDays = parse.GetValue(stale), Workers = parse.GetValue(workers) ?? Environment.ProcessorCount,
                Columns = columns.Mapping(parse),
                Wait = parse.GetValue(wait),
                Full = parse.GetValue(full),
                CsvDelimiter = parse.GetValue(csvDelimiter),
            };
            if (parse.GetValue(memoryBudget) is { } budget)
                options = options with { MemoryBudget = budget };
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
}
