namespace FxEngine;

/// <summary>
/// Why an <see cref="FxException"/> was thrown, as a stable token for code and headers
/// (<c>fx-dlq-reason</c>), the way <c>reject_reason</c> names why a row was rejected.
/// </summary>
public static class FxErrorCode
{
    /// <summary>Not classified: the message says it all.</summary>
    public const string Unspecified = "error";

    /// <summary>A command-line option or setting is missing, out of range, or contradicts another.</summary>
    public const string InvalidOption = "invalid_option";

    /// <summary>A rates body is not a valid snapshot (malformed JSON, an API error body, a bad or missing field).</summary>
    public const string InvalidSnapshot = "invalid_snapshot";

    /// <summary>A rates message's key is not a date (YYYY-MM-DD).</summary>
    public const string InvalidKey = "invalid_key";

    /// <summary>A rates message has no body.</summary>
    public const string MissingBody = "missing_body";

    /// <summary>A rates message's key names another day than its body's timestamp.</summary>
    public const string DateMismatch = "date_mismatch";

    /// <summary>A rates message holds another snapshot of its day than the lake's, with the same timestamp.</summary>
    public const string SnapshotConflict = "snapshot_conflict";
}
