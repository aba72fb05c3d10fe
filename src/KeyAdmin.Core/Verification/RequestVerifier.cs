using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// Verifies signed requests for a service: the public API any .NET host uses, and what Test-ApiKey calls.
/// Accepts only when the key exists, its signature matches (constant time), the timestamp is inside the window,
/// the key is enabled and unexpired, the caller is inside its binding, it holds the permission, the request is
/// not a replay, and (for withdrawals of accounts that ask for it) an authenticator code is valid.
/// </summary>
/// <remarks>
/// Key material is cached and revalidated against the store after <see cref="VerifierOptions.RevalidateAfter"/>;
/// a change made in this process reaches every verifier at once through <see cref="KeyChangeSignal"/>.
/// Thread-safe; one instance per store is meant to live as long as the service.
/// </remarks>
public sealed class RequestVerifier : IDisposable
{
    private const ApiKeyPermission ReplayProtected = ApiKeyPermission.Trade | ApiKeyPermission.Transfer | ApiKeyPermission.Withdraw;
    private readonly IKeyAdminStore store;
    private readonly TimeProvider clock;
    private readonly VerifierOptions options;
    private readonly ConcurrentDictionary<string, CachedKey> cache = new(StringComparer.Ordinal);
    private readonly ReplayGuard replay;
    private readonly UsageLedger ledger;
    private readonly Operations operations;
    private readonly string location;

    public RequestVerifier(IKeyAdminStore store, TimeProvider clock, VerifierOptions? options = null)
    {
        this.store = store;
        this.clock = clock;
        this.options = options ?? new VerifierOptions();
        location = store.Description.Location;
        replay = new ReplayGuard(this.options.ReplayMemory);
        var actor = Actor.Current();
        ledger = new UsageLedger(store, this.options.FlushInterval, actor);
        operations = new Operations(store, clock, actor);
        KeyChangeSignal.Changed += OnKeyChanged;
    }

    public VerificationResult Verify(SignedRequest request)
    {
        var now = clock.GetUtcNow();
        var keyId = request.KeyId;
        if (keyId is null || !KeyTokens.IsWellFormedKeyId(keyId))
        {
            return Refuse(null, null, VerificationReason.UnknownKey, "The key id is not a KeyAdmin key id.", now);
        }

        if (!TryReadShape(request, out var timestampMs, out var problem))
        {
            return Refuse(keyId, null, VerificationReason.Malformed, problem, now);
        }

        Span<byte> presented = stackalloc byte[48];
        if (request.Signature is not { Length: > 0 and <= 64 } signature ||
            !Convert.TryFromBase64String(signature, presented, out var presentedLength) ||
            presentedLength != RequestSigner.SignatureBytes)
        {
            return Refuse(keyId, null, VerificationReason.BadSignature, "The signature is not a Base64 HMAC-SHA256.", now);
        }

        presented = presented[..RequestSigner.SignatureBytes];
        var entry = Lookup(keyId, now);
        if (entry is null)
        {
            return Refuse(keyId, null, VerificationReason.UnknownKey, "There is no such key.", now);
        }

        var key = entry.Key;
        Span<byte> expected = stackalloc byte[RequestSigner.SignatureBytes];
        RequestSigner.ComputeMac(entry.Secret, request.Timestamp!, request.Method!, request.PathAndQuery!, request.Body.Span, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, presented))
        {
            return Refuse(keyId, key.AccountName, VerificationReason.BadSignature, "The signature does not match.", now);
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var windowMs = (long)options.TimestampWindow.TotalMilliseconds;
        if (Math.Abs(nowMs - timestampMs) > windowMs)
        {
            return Refuse(keyId, key.AccountName, VerificationReason.StaleTimestamp, $"The timestamp is more than {options.TimestampWindow.TotalSeconds:0.###} s from the server's clock.", now);
        }

        switch (key.StatusAt(now))
        {
            case ApiKeyStatus.Disabled:
                return Refuse(keyId, key.AccountName, VerificationReason.Disabled, "The key is disabled.", now);
            case ApiKeyStatus.Expired:
                return Refuse(keyId, key.AccountName, VerificationReason.Expired, "The key has expired.", now);
            case ApiKeyStatus.Deleted:
                return Refuse(keyId, null, VerificationReason.UnknownKey, "There is no such key.", now);
        }

        var caller = request.CallerAddress!.IsIPv4MappedToIPv6 ? request.CallerAddress.MapToIPv4() : request.CallerAddress;
        if (key.IpBinding.Count > 0 && !key.IpBinding.Any(rule => rule.Contains(caller)))
        {
            return Refuse(keyId, key.AccountName, VerificationReason.AddressNotAllowed, $"The key is not bound to {caller}.", now);
        }

        var required = ApiKeyPermissions.Normalize(request.RequiredPermission);
        if ((key.Permissions & required) != required)
        {
            return Refuse(keyId, key.AccountName, VerificationReason.PermissionMissing, $"The key does not hold {required & ~key.Permissions}.", now);
        }

        if ((required & ReplayProtected) != 0 && !replay.TryRecord(presented, nowMs, timestampMs + windowMs + 1))
        {
            return Refuse(keyId, key.AccountName, VerificationReason.Replayed, "This request was already accepted once.", now);
        }

        if (required.HasFlag(ApiKeyPermission.Withdraw) && entry.RequireWithdrawalCode)
        {
            var refusal = ConfirmWithdrawal(key, request.TwoFactorCode);
            if (refusal is not null)
            {
                return Refuse(keyId, key.AccountName, refusal.Value.Reason, refusal.Value.Message, now);
            }
        }

        ledger.Accepted(keyId, now, caller.ToString());
        return new VerificationResult(VerificationReason.Accepted, keyId, key.AccountName, "Accepted.");
    }

    /// <summary>Writes gathered last use and refusal counts now (they are also written every flush interval).</summary>
    public void Flush() => ledger.Flush();

    public void Dispose()
    {
        KeyChangeSignal.Changed -= OnKeyChanged;
        ledger.Dispose();
        foreach (var entry in cache.Values)
        {
            CryptographicOperations.ZeroMemory(entry.Secret);
        }

        cache.Clear();
    }

    private bool TryReadShape(SignedRequest request, out long timestampMs, out string problem)
    {
        timestampMs = 0;
        problem = string.Empty;
        if (request.Timestamp is not { Length: > 0 and <= 19 } timestamp ||
            !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out timestampMs))
        {
            problem = "The timestamp is not Unix milliseconds.";
        }
        else if (request.Method is not { Length: > 0 and <= 16 } method || !method.All(char.IsAsciiLetter))
        {
            problem = "The method is not an HTTP method.";
        }
        else if (request.PathAndQuery is not { Length: > 0 and <= 8192 } path || path[0] != '/' || path.Any(char.IsControl))
        {
            problem = "The path must start with '/' and be at most 8192 characters.";
        }
        else if (request.Body.Length > options.MaxBodyBytes)
        {
            problem = $"The body is larger than {options.MaxBodyBytes} bytes.";
        }
        else if (request.CallerAddress is null)
        {
            problem = "The caller's address is missing.";
        }

        return problem.Length == 0;
    }

    private CachedKey? Lookup(string keyId, DateTimeOffset now)
    {
        if (cache.TryGetValue(keyId, out var cached) && now - cached.CheckedAt < options.RevalidateAfter)
        {
            return cached;
        }

        var loaded = store.Read(reader =>
        {
            var key = reader.FindKey(keyId);
            if (key is null || key.StoredStatus == ApiKeyStatus.Deleted)
            {
                return null;
            }

            var account = reader.FindAccountById(key.AccountId);
            var secret = cached?.Secret;
            if (secret is null)
            {
                var sealedSecret = reader.ReadSealedSecret(keyId);
                if (sealedSecret is null)
                {
                    return null;
                }

                secret = store.Secrets.Open(sealedSecret, SealIdentity.ApiKey(keyId));
            }

            return new CachedKey(key, secret, account?.RequireWithdrawalCode ?? false, now);
        });

        if (loaded is null)
        {
            cache.TryRemove(keyId, out _);
            return null;
        }

        cache[keyId] = loaded;
        return loaded;
    }

    private (VerificationReason Reason, string Message)? ConfirmWithdrawal(ApiKey key, string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return (VerificationReason.TwoFactorRequired, "Withdrawals of this account need an authenticator code with the request.");
        }

        try
        {
            operations.ConfirmWithdrawal(key.KeyId, code);
            return null;
        }
        catch (KeyAdminException e)
        {
            return e.Error switch
            {
                KeyAdminError.TwoFactorLockedOut => (VerificationReason.TwoFactorLockedOut, "This key's withdrawals are locked after repeated wrong codes."),
                _ => (VerificationReason.TwoFactorInvalid, "The authenticator code is not valid."),
            };
        }
    }

    private VerificationResult Refuse(string? keyId, string? account, VerificationReason reason, string message, DateTimeOffset now)
    {
        ledger.Refused(keyId ?? "(malformed)", reason, now);
        return new VerificationResult(reason, keyId, account, message);
    }

    private void OnKeyChanged(string storeLocation, string keyId)
    {
        if (string.Equals(storeLocation, location, StringComparison.Ordinal))
        {
            cache.TryRemove(keyId, out _);
        }
    }

    private sealed record CachedKey(ApiKey Key, byte[] Secret, bool RequireWithdrawalCode, DateTimeOffset CheckedAt);
}
