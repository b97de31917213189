namespace FxEngine.Jobs;

/// <summary>
/// Which snapshots to publish, and how often: one day (<see cref="Date"/>), a range
/// (<see cref="From"/>/<see cref="To"/>), or the latest snapshot (<see cref="Latest"/>, also
/// what none of them asks for). Immutable; <see cref="Validate"/> changes nothing.
/// </summary>
public sealed record ProduceOptions
{
    /// <summary>One day's snapshot (--date).</summary>
    public DateOnly? Date { get; init; }

    /// <summary>First and last day of a backfill (--from/--to, together).</summary>
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }

    /// <summary>Asked for the latest snapshot explicitly (--latest): it then combines with no day.</summary>
    public bool Latest { get; init; }

    /// <summary>Repeat every interval until stopped (--every 1h); null: publish once.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Concurrent fetches in a backfill. Default 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>A lake whose <c>exchange_rates/</c> days are skipped in a backfill (unless <see cref="Force"/>).</summary>
    public string? Lake { get; init; }

    public bool Force { get; init; }

    /// <summary>The clock that says which day is today (UTC). Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The first day to publish; null: the latest snapshot.</summary>
    public DateOnly? FirstDay => Date ?? From;

    /// <summary>The last day to publish; null: the latest snapshot.</summary>
    public DateOnly? LastDay => Date ?? To;

    /// <summary>Whether this publishes the latest snapshot rather than given days.</summary>
    public bool PublishesLatest => FirstDay is null;

    public void Validate()
    {
        var range = From is not null || To is not null;
        if (Date is not null && range)
            throw FxException.InvalidOption("--date and --from/--to cannot be combined");
        if (Latest && (Date is not null || range))
            throw FxException.InvalidOption(
                "--latest publishes today's snapshot; it cannot be combined with --date or --from/--to");
        if (From is { } from && To is { } to && from > to)
            throw FxException.InvalidOption($"--from {from:yyyy-MM-dd} is after --to {to:yyyy-MM-dd}");
        if ((From is null) != (To is null))
            throw FxException.InvalidOption("--from and --to go together (or use --date for one day)");
        if (Every is { } every && every < TimeSpan.FromSeconds(1))
            throw FxException.InvalidOption("--every must be at least 1s");
        if (Concurrency is < 1 or > 64)
            throw FxException.InvalidOption($"fetch concurrency {Concurrency} is out of range; use 1 to 64");
    }
}
