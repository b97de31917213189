namespace FxEngine.Transforms;

/// <summary>Why a row could not be converted; the value written in <c>reject_reason</c>.</summary>
public static class RejectReason
{
    public const string MissingRate = "missing_rate";
    public const string UnknownCurrency = "unknown_currency";
    public const string InvalidCurrency = "invalid_currency";
    public const string InvalidAmount = "invalid_amount";
    public const string InvalidDate = "invalid_date";

    /// <summary>Stream mode: a message that is not a transaction object (not JSON, not an object, too large).</summary>
    public const string InvalidMessage = "invalid_message";

    public static readonly IReadOnlyList<string> All = [MissingRate, UnknownCurrency, InvalidCurrency, InvalidAmount, InvalidDate];
}
