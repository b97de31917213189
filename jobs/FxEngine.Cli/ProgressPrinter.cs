using System.Diagnostics;
using System.Globalization;
using FxEngine.Jobs;

namespace FxEngine.Cli;

/// <summary>
/// Shows the long phases of a command on standard error with their rate and ETA. On a terminal
/// it redraws one line in place (a timer keeps the rate and ETA current between reports); into
/// a file or a pipe it writes plain lines, at most one per interval, so logs carry no carriage
/// returns. Either way each phase ends with its final count.
/// </summary>
internal sealed class ProgressPrinter : IProgress<PhaseProgress>, IProgress<NormalizeProgress>, IDisposable
{
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(200);
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly TimeSpan _plainEvery;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private readonly Timer? _redraw;
    private PhaseProgress? _current;
    private string? _ended;
    private TimeSpan _phaseStarted;
    private TimeSpan _lastPrinted;
    private int _drawn; // length of the line on screen, to blank what a shorter one leaves

    public ProgressPrinter() : this(Console.Error, terminal: !Console.IsErrorRedirected, plainEvery: TimeSpan.FromSeconds(5)) { }

    internal ProgressPrinter(TextWriter output, bool terminal, TimeSpan plainEvery)
    {
        _output = output;
        _terminal = terminal;
        _plainEvery = plainEvery;
        if (terminal)
            _redraw = new Timer(_ => Redraw(), null, RedrawEvery, RedrawEvery);
    }

    public void Report(NormalizeProgress value) => Report(new PhaseProgress("normalizing", value.RowsDone, value.RowsTotal, "rows"));

    public void Report(PhaseProgress value)
    {
        lock (_lock)
        {
            if (value.Phase == _ended)
                return; // a late report of a phase already shown complete
            if (_current is { } current && current.Phase != value.Phase)
                EndPhase();
            _ended = null;
            if (_current is null)
                _lastPrinted = _phaseStarted = _clock.Elapsed;
            else if (value.Done < _current.Value.Done)
                return; // parallel workers can report out of order: keep the furthest
            _current = value;
            var now = _clock.Elapsed;
            if (value.Total >= 0 && value.Done >= value.Total)
            {
                EndPhase();
                _ended = value.Phase;
            }
            else if (now - _lastPrinted >= (_terminal ? RedrawEvery : _plainEvery))
            {
                Print(now, final: false);
            }
        }
    }

    /// <summary>A log line: on a terminal it takes the progress line's place, which is redrawn below it.</summary>
    public void WriteLine(string line)
    {
        lock (_lock)
        {
            if (_terminal && _drawn > 0)
            {
                _output.Write($"\r{new string(' ', _drawn)}\r");
                _drawn = 0;
            }
            _output.WriteLine(line);
        }
    }

    /// <summary>Ends the current phase with its final count.</summary>
    public void Finish()
    {
        lock (_lock)
            EndPhase();
    }

    public void Dispose()
    {
        _redraw?.Dispose();
        Finish();
    }

    private void Redraw()
    {
        lock (_lock)
            if (_current is not null)
                Print(_clock.Elapsed, final: false);
    }

    private void EndPhase()
    {
        if (_current is null)
            return;
        Print(_clock.Elapsed, final: true);
        if (_terminal)
            _output.WriteLine();
        _current = null;
        _drawn = 0;
    }

    private void Print(TimeSpan now, bool final)
    {
        var text = Describe(_current!.Value, now - _phaseStarted, final);
        if (_terminal)
        {
            _output.Write($"\r{text.PadRight(_drawn)}");
            _drawn = text.Length;
        }
        else
        {
            _output.WriteLine(text);
        }
        _output.Flush();
        _lastPrinted = now;
    }

    internal static string Describe(PhaseProgress p, TimeSpan elapsed, bool final)
    {
        var culture = CultureInfo.InvariantCulture;
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        var rate = p.Done / seconds;
        var text = p.Total >= 0
            ? string.Create(culture, $"  {p.Phase} {p.Done:N0} / {p.Total:N0} {p.Unit} ({(p.Total == 0 ? 100 : Math.Floor(100.0 * p.Done / p.Total)):0}%)")
            : string.Create(culture, $"  {p.Phase} {p.Done:N0} {p.Unit}");
        text += string.Create(culture, $", {rate:N0} {p.Unit}/s");
        if (final)
            return text + string.Create(culture, $", {elapsed.TotalSeconds:N1} s");
        if (p.Total > p.Done && p.Done > 0)
            text += $", ETA {Clock(TimeSpan.FromSeconds((p.Total - p.Done) / rate))}";
        return text;
    }

    private static string Clock(TimeSpan span) => span.TotalHours >= 1
        ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
