using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Streaming;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>stream: transactions from Kafka converted in real time into the lake's table.</summary>
internal static partial class Commands
{
    public static Command Stream()
    {
        var lake = new Option<string>("--lake") { Description = "Lake root: rows land in <lake>/processed_data/ and <lake>/rejected_data/", DefaultValueFactory = _ => "lake" };
        var (bootstrap, _) = KafkaOptions();
        var topic = new Option<string>("--topic") { Description = "Transactions topic (one JSON object per message)", DefaultValueFactory = _ => "transactions" };
        var ratesTopic = new Option<string>("--rates-topic") { Description = "Rates topic, read from its beginning and followed", DefaultValueFactory = _ => "exchange-rates-topic" };
        var group = new Option<string>("--group") { Description = "Consumer group (its offsets are informational: a restart resumes from the table state)", DefaultValueFactory = _ => "fxengine-stream" };
        var (target, stale, _) = CommonOptions();
        // No default values on the options themselves: help would print them as 00:10:00.
        var grace = new Option<TimeSpan?>("--grace")
        {
            Description = "How long a transaction whose day has no rate snapshot yet waits for one (from its message's timestamp) before the as-of rule (stale) or missing_rate [default: 10m]",
            CustomParser = result => ParseInterval("--grace", result.Tokens.Single().Value, result),
        };
        var flushEvery = new Option<TimeSpan?>("--flush-every")
        {
            Description = "How often converted rows are committed to the lake (1s, 10s, 1m) [default: 10s]",
            CustomParser = result => ParseInterval("--flush-every", result.Tokens.Single().Value, result),
        };
        var once = new Option<bool>("--once") { Description = "Read up to the end offsets seen at start, convert what still waits by the as-of rule, commit and exit" };
        var maxWaiting = new Option<int>("--max-waiting-rows") { Description = "Rows held waiting for rates before consumption pauses", DefaultValueFactory = _ => 500_000 };
        var columns = KeyColumnOptions.For("field", " (a JSON number or a decimal string)");
        var outputTopic = new Option<string?>("--output-topic") { Description = "Also produce each converted row as JSON to this topic, after its lake commit (at least once)" };
        var wait = WaitOption();
        var command = new Command("stream", "Convert a Kafka topic of transactions in real time into the lake's table, exactly once; bad messages go to <topic>.dlq")
        {
            bootstrap, lake, topic, ratesTopic, group, target, stale, grace, flushEvery, once, maxWaiting, columns.Date, columns.Currency, columns.Amount, outputTopic, wait,
        };
        command.SetAction(async (parse, token) =>
        {
            var options = new StreamOptions
            {
                Lake = parse.GetValue(lake)!, Topic = parse.GetValue(topic)!, RatesTopic = parse.GetValue(ratesTopic)!, Group = parse.GetValue(group)!,
                Target = parse.GetValue(target)!, MaxStaleDays = parse.GetValue(stale), Grace = parse.GetValue(grace) ?? TimeSpan.FromMinutes(10), FlushEvery = parse.GetValue(flushEvery) ?? TimeSpan.FromSeconds(10),
                Once = parse.GetValue(once), MaxWaitingRows = parse.GetValue(maxWaiting), Wait = parse.GetValue(wait), OutputTopic = parse.GetValue(outputTopic),
                Columns = columns.Mapping(parse),
            };
            options.Validate();
            var kafka = EnvironmentSettings.Kafka();
            if (parse.GetValue(bootstrap) is { Length: > 0 } servers)
                kafka = kafka with { BootstrapServers = servers };
            var result = await StreamJob.RunAsync(options, kafka, Console.Error.WriteLine, p => Console.Error.WriteLine(Describe(p)), token);
            Console.WriteLine($"read {result.RowsIn:N0} transaction(s): {result.RowsOut:N0} converted, {result.RowsRejected:N0} rejected " +
                $"({result.DeadLettered:N0} sent to {options.Topic}.dlq) in {result.Flushes} commit(s); {result.Skipped:N0} already in the lake skipped");
            token.ThrowIfCancellationRequested(); // stopped by a signal, after its last commit: exit 130
            return 0;
        });
        return command;
    }

    private static string Describe(StreamProgress p)
    {
        var lag = p.LagByPartition.Count == 0 ? "none (no partitions yet)" : string.Join(" ", p.LagByPartition.Select(l => $"[{l.Key}]={l.Value:N0}"));
        var waiting = p.RowsWaiting == 0 ? "none waiting for rates"
            : $"{p.RowsWaiting:N0} waiting for rates ({string.Join(", ", p.WaitingDays.Select(d => $"{d.Day:yyyy-MM-dd}: {d.Rows:N0}"))}){(p.Paused ? ", consumption paused" : "")}";
        var commit = p.LastCommitAt is { } at ? at.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "none yet";
        return $"stream: {p.RowsRead:N0} read, {p.RowsCommitted:N0} committed, {p.RowsPerSecond:N0} rows/s, lag {lag}, {waiting}, last commit {commit}";
    }
}
