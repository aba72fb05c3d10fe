namespace KeyAdmin.Core.Verification;

/// <summary>
/// Our reasons as KuCoin's API gateway reports them, so that a KuCoin client library raises the error it would
/// raise against KuCoin (authentication, permission, rate limit) without knowing it talks to KeyAdmin.
/// </summary>
/// <remarks>
/// KuCoin has no code for a disabled or expired key, or for a replay: a disabled or expired key (or one whose record
/// fails its integrity check) is answered like one that does not exist (400003), a replayed request like a spent timestamp (400002, so that a client
/// signs again with a fresh one), a key over its replay share with KuCoin's rate-limit code (429000), and a
/// request whose shape is wrong (a body on a GET, a body that is not the JSON its Content-Type says) with
/// KuCoin's parameter error (400100). The message always names our precise reason.
/// </remarks>
public static class KuCoinCodes
{
    public const string Success = "200000";

    public static (string Code, int HttpStatus) For(VerificationReason reason) => reason switch
    {
        VerificationReason.Accepted => (Success, 200),
        VerificationReason.MissingHeader => ("400001", 401),
        VerificationReason.StaleTimestamp or VerificationReason.Replayed => ("400002", 401),
        VerificationReason.UnknownKey or VerificationReason.Disabled or VerificationReason.Expired or VerificationReason.StoreTampered => ("400003", 401),
        VerificationReason.BadPassphrase => ("400004", 401),
        VerificationReason.BadSignature => ("400005", 401),
        VerificationReason.AddressNotAllowed => ("400006", 403),
        VerificationReason.PermissionMissing or VerificationReason.TwoFactorRequired or VerificationReason.TwoFactorInvalid
            or VerificationReason.TwoFactorLockedOut => ("400007", 403),
        VerificationReason.KeyVersionNotAccepted => ("400009", 401),
        VerificationReason.ReplayLimitReached => ("429000", 429),
        _ => ("400100", 400),
    };
}
