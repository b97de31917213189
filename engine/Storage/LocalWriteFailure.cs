namespace FxEngine.Storage;

/// <summary>
/// A local file write the machine refused: a full disk or quota, a device error, a refused
/// permission, or the file size limit. These are the operator's to fix, so they become errors
/// naming the file rather than internal failures with a stack trace.
/// </summary>
internal static class LocalWriteFailure
{
    /// <summary>
    /// Whether <paramref name="ex"/> is such a refusal. .NET reports EFBIG (a file past the
    /// process's or the file system's size limit) as an <see cref="ArgumentOutOfRangeException"/>
    /// for the parameter "value", which a write with valid arguments throws for nothing else.
    /// </summary>
    public static bool Is(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException { ParamName: "value" };

    /// <summary>The refusal of a write to <paramref name="path"/> in words: .NET's message (which names the file), or for EFBIG what it means.</summary>
    public static string Reason(Exception ex, string path) =>
        ex is ArgumentOutOfRangeException ? $"'{path}' reached the largest file this process may write (ulimit -f) or the file system holds" : ex.Message;
}
