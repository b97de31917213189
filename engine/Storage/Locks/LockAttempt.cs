namespace FxEngine.Storage.Locks;

/// <summary>The outcome of one try for a run lock: the lock, or who holds it (null when unknown).</summary>
internal sealed record LockAttempt(ILocationLock? Lock, LockHolder? HeldBy)
{
    public static LockAttempt Taken(ILocationLock held) => new(held, null);

    public static LockAttempt Refused(LockHolder? holder) => new(null, holder);
}
