using System.CommandLine;
using System.Runtime.InteropServices;
using FxEngine;
using FxEngine.Cli;

// Named for the launcher users type; RootCommand would take the dll's name (FxEngine.Cli).
var root = new Command("fxengine", "FxEngine: converts transactions in many currencies into one reporting currency with daily exchange rates.")
{
    new System.CommandLine.Help.HelpOption(),
    new VersionOption(),
    Commands.Run(),
    Commands.Normalize(),
    Commands.Generate(),
    Commands.Produce(),
    Commands.Sink(),
    Commands.Broker(),
    Commands.Emr(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        Console.Error.WriteLine($"usage: {error.Message}");
    Console.Error.WriteLine("run with --help for the commands and their options");
    return 2;
}

// Ctrl+C and SIGTERM cancel the command, which stops reading, keeps what is safe, removes its
// staging and exits 130; a second signal ends the process at once.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    if (stop.IsCancellationRequested)
        return;
    context.Cancel = true;
    Console.Error.WriteLine($"{context.Signal}: stopping (send it again to end at once)");
    stop.Cancel();
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    // ProcessTerminationTimeout = null: the handlers above own the signals (System.CommandLine's
    // own handling would end the process after its timeout, mid-commit).
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, stop.Token);
}
catch (FxException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception ex)
{
    // Not a user error: a bug or an environment failure, so the full trace helps.
    Console.Error.WriteLine($"fatal: unexpected failure: {ex}");
    return 70;
}
