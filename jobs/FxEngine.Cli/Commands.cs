using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>The CLI's commands: parse arguments, bind options, call the engine, print.</summary>
internal static class Commands
{
    public static Command Run()
    {
        var lake = new Option<string>("--lake") { Description = "Lake root folder", DefaultValueFactory = _ => "lake" };
        var rows = new Option<long>("--rows") { Description = "Sample rows to generate when the lake has no transactions", DefaultValueFactory = _ => 1_000_000 };
        var from = DateOption("--from", "First date of generated sample transactions (default: 90 days before --to)");
        var to = DateOption("--to", "Last date of generated sample transactions (default: yesterday, UTC)");
        var seed = new Option<int>("--seed") { Description = "Seed of the sample transactions", DefaultValueFactory = _ => 42 };
        var force = new Option<bool>("--force") { Description = "Fetch rates even for days the lake already has" };
        var (target, stale, workers) = CommonOptions();

        var command = new Command("run", "Run the whole flow locally: sample transactions, rates into the lake, normalization") { lake, rows, from, to, seed, force, target, stale, workers };
        command.SetAction(async (parse, token) =>
        {
            var options = new RunOptions
            {
                Lake = parse.GetValue(lake)!, SampleRows = parse.GetValue(rows), From = parse.GetValue(from), To = parse.GetValue(to),
                Seed = parse.GetValue(seed), Force = parse.GetValue(force), Target = parse.GetValue(target)!,
                MaxStaleDays = parse.GetValue(stale), Workers = parse.GetValue(workers),
            };
            using var progress = new ProgressPrinter();
            var result = await RunJob.RunAsync(options, new SyntheticRatesSource(), line => Console.Error.WriteLine(line), progress, token);
            progress.Finish();
            Report.Print(result.Normalize, options.ProcessedData, options.RejectedData);
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
        var (target, stale, workers) = CommonOptions();

        var command = new Command("normalize", "Convert transactions into the target currency with the as-of daily rate")
        {
            rates, input, output, rejects, target, stale, workers, dateColumn, currencyColumn, amountColumn,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new NormalizeOptions
            {
                Rates = parse.GetValue(rates)!, Input = parse.GetValue(input)!, Output = parse.GetValue(output)!, Rejects = parse.GetValue(rejects),
                Target = parse.GetValue(target)!, MaxStaleDays = parse.GetValue(stale), Workers = parse.GetValue(workers),
                Columns = new ColumnMapping(parse.GetValue(dateColumn)!, parse.GetValue(currencyColumn)!, parse.GetValue(amountColumn)!),
            };
            using var progress = new ProgressPrinter();
            var result = await NormalizeJob.RunAsync(options, progress, token);
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
            var files = await TransactionGenerator.WriteAsync(options, cancellationToken: token);
            Console.WriteLine($"wrote {options.Rows:N0} rows ({options.FirstDate:yyyy-MM-dd} to {options.LastDate:yyyy-MM-dd}) in {files.Count} file(s) under {Path.GetFullPath(options.Output)}");
            return 0;
        });
        return command;
    }

    private static (Option<string> Target, Option<int> Stale, Option<int> Workers) CommonOptions() =>
    (
        new Option<string>("--target") { Description = "Reporting currency (ISO 4217)", DefaultValueFactory = _ => "SGD" },
        new Option<int>("--max-stale-days") { Description = "How many days back a rate may come from", DefaultValueFactory = _ => 7 },
        new Option<int>("--workers") { Description = "Concurrent workers per stage", DefaultValueFactory = _ => Environment.ProcessorCount }
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
