using System.CommandLine;
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

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (FxException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
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
