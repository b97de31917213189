namespace FxEngine;

/// <summary>
/// A user-facing failure: bad input, bad settings or missing data. The message names the
/// location (file, row group, row, setting) and the problem, and is safe to print as is.
/// </summary>
public sealed class FxException : Exception
{
    public FxException(string message) : base(message) { }
    public FxException(string message, Exception inner) : base(message, inner) { }
}
