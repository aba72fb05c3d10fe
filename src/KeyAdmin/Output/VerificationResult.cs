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
        Permissions = result.Permissions is { } granted ? TextList.Of(granted) : null;
        KuCoinCode = result.KuCoinCode;
        HttpStatus = result.HttpStatus;
    }

    public bool Accepted { get; }

    /// <summary>Accepted, or why not: UnknownKey, BadSignature, StaleTimestamp, Disabled, Expired, Replayed, AddressNotAllowed, PermissionMissing, Malformed, TwoFactorRequired …</summary>
    public string Reason { get; }

    public string? KeyId { get; }

    public string? Account { get; }

    public string Message { get; }

    /// <summary>The key's permissions when the request was accepted (what a service turns into claims).</summary>
    public TextList? Permissions { get; }

    /// <summary>The code KuCoin's API answers with for this outcome ("200000" when accepted, 4000xx otherwise).</summary>
    public string KuCoinCode { get; }

    /// <summary>The HTTP status a service answers with: 200, 400, 401, 403 or 429.</summary>
    public int HttpStatus { get; }

    public override string ToString() => Reason;
}
