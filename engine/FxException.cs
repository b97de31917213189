namespace FxEngine;

/// <summary>
/// A user-facing failure: bad input, bad settings or missing data. <see cref="Exception.Message"/>
/// is for people ("location: detail", safe to print as is); code that reacts to a failure (the
/// lake sink's dead-letter headers) reads <see cref="Code"/>, <see cref="Location"/> and
/// <see cref="Detail"/> instead of taking the message apart.
/// </summary>
public sealed class FxException : Exception
{
    public FxException(string message) : this(FxErrorCode.Unspecified, null, message) { }

    public FxException(string message, Exception inner) : this(FxErrorCode.Unspecified, null, message, inner) { }

    /// <param name="code">What went wrong, one of <see cref="FxErrorCode"/>'s values.</param>
    /// <param name="location">Where: a file, an object key, a setting, or topic[partition]@offset.</param>
    /// <param name="detail">The problem, worded for people, without the location.</param>
    public FxException(string code, string? location, string detail, Exception? inner = null)
        : base(location is null ? detail : $"{location}: {detail}", inner)
    {
        Code = code;
        Location = location;
        Detail = detail;
    }

    /// <summary>A command-line option or setting that is missing, out of range, or contradicts another.</summary>
    public static FxException InvalidOption(string detail) => new(FxErrorCode.InvalidOption, null, detail);

    public string Code { get; }

    public string? Location { get; }

    public string Detail { get; }
}
