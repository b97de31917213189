using FxEngine.Cli;
using FxEngine.Jobs;

namespace FxEngine.Tests;

/// <summary>The CLI's progress display: final counts always shown, carriage returns only on a terminal.</summary>
public class ProgressPrinterTests
{
    [Fact]
    public void Report_HalfThenAllAtOnce_ShowsCompletion()
    {
        var output = new StringWriter();
        using (var printer = new ProgressPrinter(output, terminal: false, plainEvery: TimeSpan.FromHours(1)))
        {
            printer.Report(new NormalizeProgress(500_000, 1_000_000));
            printer.Report(new NormalizeProgress(1_000_000, 1_000_000));
        }
        Assert.Contains("normalizing 1,000,000 / 1,000,000 rows (100%)", output.ToString());
        Assert.DoesNotContain("50%", output.ToString());
    }

    [Fact]
    public void Report_Redirected_WritesThrottledPlainLinesWithoutCarriageReturns()
    {
        var output = new StringWriter();
        using (var printer = new ProgressPrinter(output, terminal: false, plainEvery: TimeSpan.FromHours(1)))
        {
            for (var done = 0; done <= 100; done++)
                printer.Report(new PhaseProgress("generating", done, 100, "rows"));
            printer.Report(new PhaseProgress("fetching rates", 3, 31, "days"));
            printer.Finish();
        }
        var text = output.ToString();
        Assert.DoesNotContain('\r', text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // each phase's final line; the hour-long interval let nothing else through
        Assert.StartsWith("  generating 100 / 100 rows (100%), ", lines[0]);
        Assert.Contains("rows/s", lines[0]);
        Assert.StartsWith("  fetching rates 3 / 31 days (9%)", lines[1]);
    }

    [Fact]
    public void Report_Terminal_RedrawsOneLineInPlace()
    {
        var output = new StringWriter();
        using (var printer = new ProgressPrinter(output, terminal: true, plainEvery: TimeSpan.FromHours(1)))
        {
            printer.Report(new PhaseProgress("normalizing", 10, 100, "rows"));
            Thread.Sleep(1000); // the redraw timer draws meanwhile
            printer.Report(new PhaseProgress("normalizing", 20, 100, "rows"));
            printer.WriteLine("a log line");
        }
        var text = output.ToString();
        Assert.Contains("\r  normalizing 20 / 100 rows (20%)", text);
        Assert.Contains("ETA ", text);
        Assert.Contains("a log line" + Environment.NewLine, text);
    }

    [Fact]
    public void Describe_UnknownTotal_ShowsCountAndRateWithoutEta()
    {
        var line = ProgressPrinter.Describe(new PhaseProgress("normalizing", 3_000, -1, "rows"), TimeSpan.FromSeconds(2), final: false);
        Assert.Equal("  normalizing 3,000 rows, 1,500 rows/s", line);
    }
}
