namespace FxEngine;

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class ProgressRelay<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
