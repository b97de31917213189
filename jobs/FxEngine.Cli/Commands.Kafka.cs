using System.CommandLine;
using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>produce, sink and broker: the commands that move rates through Kafka.</summary>
internal static partial class Commands
{
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
            Console.WriteLine($"landed {result.Written} snapshot(s), {result.DeadLettered} sent to {kafka.DeadLetter}" +
                (result.Kept > 0 ? $", {result.Kept} kept out (the lake holds them or a later copy of their day)" : ""));
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
}
