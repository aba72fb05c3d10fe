namespace KeyAdmin;

/// <summary>The answer to one signed request (Test-ApiKey): accepted, or the precise reason it was refused.</summary>
public sealed class VerificationResult
{
    internal VerificationResult(Core.Verification.VerificationResult result)
    {
        Accepted = result.Accepted;
        Reason = result.Reason.ToString();
        KeyId = result.KeyId;
        Account = result.Account;
        Message = result.Message;
    }

    public bool Accepted { get; }

    /// <summary>Accepted, or why not: UnknownKey, BadSignature, StaleTimestamp, Disabled, Expired, Replayed, AddressNotAllowed, PermissionMissing, Malformed, TwoFactorRequired …</summary>
    public string Reason { get; }

    public string? KeyId { get; }

    public string? Account { get; }

    public string Message { get; }

    public override string ToString() => Reason;
}
