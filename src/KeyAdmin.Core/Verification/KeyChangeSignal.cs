namespace KeyAdmin.Core.Verification;

/// <summary>
/// Tells every verifier in this process, at once, that a key of a store changed (disabled, deleted, rebound),
/// so that the very next request sees it (R9). Other processes notice through revalidation.
/// </summary>
public static class KeyChangeSignal
{
    public static event Action<string, string>? Changed;

    /// <summary>Raised after the change has committed; <paramref name="storeLocation"/> names the store.</summary>
    internal static void Publish(string storeLocation, string keyId) => Changed?.Invoke(storeLocation, keyId);
}
