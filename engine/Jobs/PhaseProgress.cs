namespace FxEngine.Jobs;

/// <summary>
/// How far a long phase of a job has come: <see cref="Done"/> units of <see cref="Total"/>
/// (-1 when unknown), for a front end to show with a rate and an ETA.
/// </summary>
public readonly record struct PhaseProgress(string Phase, long Done, long Total, string Unit);

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class ProgressRelay<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
