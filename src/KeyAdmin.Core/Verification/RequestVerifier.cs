using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
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
/// Accepts only when the key exists, its signature matches (constant time), its passphrase matches (KuCoin's
/// scheme, constant time), the timestamp is inside the window, the key is enabled and unexpired, the caller is
/// inside its binding, it holds the permission, the request is not a replay, and (for withdrawals of accounts
/// that ask for it) an authenticator code is valid.
/// </summary>
/// <remarks>
/// Key material is cached and revalidated against the store after <see cref="VerifierOptions.RevalidateAfter"/>;
/// a change made in this process reaches every verifier at once through <see cref="KeyChangeSignal"/>.
/// Thread-safe; one instance per store is meant to live as long as the service.
/// The order of the checks tells nothing to a caller without the secret: the signature is checked before the
/// passphrase, the key version, the timestamp and the key's state, so a wrong signature is BadSignature whatever
/// else is wrong.
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
    private readonly IDisposable? changes;

    // Counts the changes heard of; a lookup that a change overtook is not trusted for RevalidateAfter.
    private long changeGeneration;

    public RequestVerifier(IKeyAdminStore store, TimeProvider clock, VerifierOptions? options = null)
    {
        this.store = store;
        this.clock = clock;
        this.options = options ?? new VerifierOptions();
        location = store.Description.Location;
        replay = new ReplayGuard(store, this.options.ReplaySharePerKey);
        var actor = Actor.Current();
        ledger = new UsageLedger(store, this.options.FlushInterval, this.options.RefusalCounters, actor);
        operations = new Operations(store, clock, actor);
        KeyChangeSignal.Changed += OnKeyChanged;
        changes = this.options.WatchChanges ? store.WatchChanges(OnRowsChanged, this.options.ChangePollInterval) : null;
    }

    public VerificationResult Verify(SignedRequest request)
    {
        var now = clock.GetUtcNow();
        var keyId = request.KeyId;
        if (MissingHeader(request) is { } missing)
        {
            return Refuse(null, keyId, VerificationReason.MissingHeader, $"The {missing} header is missing.", now);
        }

        if (!KeyTokens.IsWellFormedKeyId(keyId))
        {
            return Refuse(null, keyId, VerificationReason.UnknownKey, "The key id is not a KeyAdmin key id.", now);
        }

        if (!TryReadShape(request, out var timestampMs, out var problem))
        {
            return Refuse(null, keyId, VerificationReason.Malformed, problem, now);
        }

        Span<byte> presented = stackalloc byte[48];
        if (request.Signature is not { Length: <= 64 } signature ||
            !Convert.TryFromBase64String(signature, presented, out var presentedLength) ||
            presentedLength != RequestSigner.SignatureBytes)
        {
            return Refuse(null, keyId, VerificationReason.BadSignature, "The signature is not a Base64 HMAC-SHA256.", now);
        }

        presented = presented[..RequestSigner.SignatureBytes];
        var entry = Lookup(keyId!, now);
        if (entry is null)
        {
            return Refuse(null, keyId, VerificationReason.UnknownKey, "There is no such key.", now);
        }

        if (!SignatureMatches(request, entry.Mac, presented))
        {
            return Refuse(entry.Key, keyId, VerificationReason.BadSignature, "The signature does not match.", now);
        }

        // Only a caller who holds the secret learns that the key's row cannot be trusted; nothing else about it is used.
        if (entry.Tampered is not null || entry.Key is null)
        {
            ledger.Tampered(entry.Tampered!, now);
            ledger.Refused(keyId, VerificationReason.StoreTampered, now);
            return new VerificationResult(VerificationReason.StoreTampered, keyId, null, "The key's record in the store fails its integrity check; it is refused until an administrator restores it.");
        }

        var key = entry.Key;
        if (CheckPassphrase(request, entry) is { } passphraseRefusal)
        {
            return Refuse(key, keyId, passphraseRefusal.Reason, passphraseRefusal.Message, now);
        }

        // Disposed while this verified: the passphrase MAC just compared may have been zeroes, which anyone can send.
        ObjectDisposedException.ThrowIf(request.Scheme == SigningScheme.KuCoin && entry.Wiped, this);

        var nowMs = now.ToUnixTimeMilliseconds();
        var windowMs = (long)options.TimestampWindow.TotalMilliseconds;
        if (Math.Abs(nowMs - timestampMs) > windowMs)
        {
            return Refuse(key, keyId, VerificationReason.StaleTimestamp, $"The timestamp is more than {options.TimestampWindow.TotalSeconds:0.###} s from the server's clock.", now);
        }

        switch (key.StatusAt(now))
        {
            case ApiKeyStatus.Disabled:
                return Refuse(key, keyId, VerificationReason.Disabled, "The key is disabled.", now);
            case ApiKeyStatus.Expired:
                return Refuse(key, keyId, VerificationReason.Expired, "The key has expired.", now);
            case ApiKeyStatus.Deleted:
                return Refuse(null, keyId, VerificationReason.UnknownKey, "There is no such key.", now);
        }

        var caller = request.CallerAddress!.IsIPv4MappedToIPv6 ? request.CallerAddress.MapToIPv4() : request.CallerAddress;
        if (key.IpBinding.Count > 0 && !Allows(key.IpBinding, caller))
        {
            return Refuse(key, keyId, VerificationReason.AddressNotAllowed, $"The key is not bound to {caller}.", now);
        }

        var required = ApiKeyPermissions.Normalize(request.RequiredPermission);
        if ((key.Permissions & required) != required)
        {
            return Refuse(key, keyId, VerificationReason.PermissionMissing, $"The key does not hold {required & ~key.Permissions}.", now);
        }

        if (IsReplayProtected(request, required))
        {
            // Kept for two windows: a verifier whose clock is up to one window behind another's still finds the entry.
            switch (replay.TryRecord(key.KeyId, presented, now, DateTimeOffset.FromUnixTimeMilliseconds(timestampMs + (2 * windowMs) + 1)))
            {
                case ReplayOutcome.Replayed:
                    return Refuse(key, keyId, VerificationReason.Replayed, "This request was already accepted once.", now);
                case ReplayOutcome.ShareExhausted:
                    return Refuse(key, keyId, VerificationReason.ReplayLimitReached, $"The key has {options.ReplaySharePerKey} requests in the replay memory already; send again once the oldest have left the timestamp window.", now);
            }
        }

        if (required.HasFlag(ApiKeyPermission.Withdraw) && entry.RequireWithdrawalCode)
        {
            var refusal = ConfirmWithdrawal(key, request.TwoFactorCode);
            if (refusal is not null)
            {
                return Refuse(key, keyId, refusal.Value.Reason, refusal.Value.Message, now);
            }
        }

        ledger.Accepted(key.KeyId, now, caller);
        return new VerificationResult(VerificationReason.Accepted, key.KeyId, key.AccountName, "Accepted.") { Permissions = key.Permissions };
    }

    /// <summary>Writes gathered last use and refusal counts now (they are also written every flush interval).</summary>
    public void Flush() => ledger.Flush();

    public void Dispose()
    {
        changes?.Dispose();
        KeyChangeSignal.Changed -= OnKeyChanged;
        ledger.Dispose();
        foreach (var entry in cache.Values)
        {
            entry.Wipe();
        }

        cache.Clear();
    }

    private static string? MissingHeader(SignedRequest request)
    {
        var kucoin = request.Scheme == SigningScheme.KuCoin;
        if (string.IsNullOrEmpty(request.KeyId))
        {
            return kucoin ? KuCoinSigning.KeyHeader : RequestSigner.KeyHeader;
        }

        if (string.IsNullOrEmpty(request.Timestamp))
        {
            return kucoin ? KuCoinSigning.TimestampHeader : RequestSigner.TimestampHeader;
        }

        if (string.IsNullOrEmpty(request.Signature))
        {
            return kucoin ? KuCoinSigning.SignatureHeader : RequestSigner.SignatureHeader;
        }

        return kucoin && string.IsNullOrEmpty(request.Passphrase) ? KuCoinSigning.PassphraseHeader : null;
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
        else if (request.Method is not { Length: > 0 and <= 16 } method || method.AsSpan().ContainsAnyExcept(AsciiLetters))
        {
            problem = "The method is not an HTTP method.";
        }
        else if (request.PathAndQuery is not { Length: > 0 and <= 8192 } path || path[0] != '/' || !RequestTarget.IsWellFormed(path))
        {
            problem = "The path must start with '/', be at most 8192 characters and be percent-encoded as a URL is.";
        }
        else if (request.Body.Length > options.MaxBodyBytes)
        {
            problem = $"The body is larger than {options.MaxBodyBytes} bytes.";
        }
        else if (request.Body.Length > 0 && CarriesNoBody(method))
        {
            // Otherwise a POST's body could be sent as a GET's query (or the reverse) under the same signature.
            problem = $"A {method.ToUpperInvariant()} request carries no body.";
        }
        else if (request.Body.Length > 0 && !RequestBody.IsDeclaredJson(request.ContentType))
        {
            problem = "A body must be JSON, sent with Content-Type: application/json.";
        }
        else if (request.Body.Length > 0 && !RequestBody.IsJson(request.Body.Span))
        {
            problem = "The body is not the JSON its Content-Type says.";
        }
        else if (request.CallerAddress is null)
        {
            problem = "The caller's address is missing or not a plain IPv4 or IPv6 address.";
        }

        return problem.Length == 0;
    }

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Whether a rule of the binding holds <paramref name="caller"/>; a loop, so that a request allocates no closure for it.</summary>
    private static bool Allows(IReadOnlyList<IpRule> binding, System.Net.IPAddress caller)
    {
        for (var i = 0; i < binding.Count; i++)
        {
            if (binding[i].Contains(caller))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CarriesNoBody(string method) =>
        method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase) ||
        method.Equals("DELETE", StringComparison.OrdinalIgnoreCase);

    private static bool IsSafe(string method) =>
        method.Equals("GET", StringComparison.OrdinalIgnoreCase) || method.Equals("HEAD", StringComparison.OrdinalIgnoreCase) ||
        method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase);

    private bool IsReplayProtected(SignedRequest request, ApiKeyPermission required) =>
        (required & ReplayProtected) != 0 || options.ReadReplay switch
        {
            ReadReplayProtection.All => true,
            ReadReplayProtection.Writes => !IsSafe(request.Method!),
            _ => false,
        };

    /// <summary>
    /// The MAC over the wire form; for KuCoin's scheme, when the query is percent-encoded, also over its decoded
    /// forms (see <see cref="RequestTarget"/>). Each candidate is compared in constant time; how many there are
    /// depends only on the request target, which the caller sent.
    /// </summary>
    private static bool SignatureMatches(SignedRequest request, ReusableHmac secret, ReadOnlySpan<byte> presented)
    {
        var path = request.PathAndQuery!;
        byte[]? rented = null;
        // The target is ASCII (RequestTarget.IsWellFormed): one byte a character.
        var buffer = path.Length <= 512 ? stackalloc byte[path.Length * 2] : (rented = ArrayPool<byte>.Shared.Rent(path.Length * 2)).AsSpan(0, path.Length * 2);
        try
        {
            var target = buffer[..path.Length];
            Encoding.ASCII.GetBytes(path, target);
            Span<byte> expected = stackalloc byte[RequestSigner.SignatureBytes];
            RequestSigner.ComputeMac(secret, request.Timestamp!, request.Method!, target, request.Body.Span, expected);
            if (FixedTime.MacEquals(expected, presented))
            {
                return true;
            }

            if (request.Scheme != SigningScheme.KuCoin || !RequestTarget.HasEncodedQuery(target))
            {
                return false;
            }

            var decoded = buffer[path.Length..];
            var query = target[(target.IndexOf((byte)'?') + 1)..];
            var hasEscape = query.Contains((byte)'%');
            var hasPlus = query.Contains((byte)'+');
            foreach (var plusIsSpace in hasEscape && hasPlus ? new[] { true, false } : new[] { true })
            {
                if (RequestTarget.TryDecodeQuery(target, plusIsSpace, decoded, out var written))
                {
                    RequestSigner.ComputeMac(secret, request.Timestamp!, request.Method!, decoded[..written], request.Body.Span, expected);
                    if (FixedTime.MacEquals(expected, presented))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// A key with a passphrase is used with KuCoin's scheme only, a key without one with KeyAdmin's only. The
    /// passphrase is compared as HMAC-SHA256(secret, passphrase), whichever form it came in, so the comparison
    /// is of two 32-byte values and its time says nothing about the passphrase or its length.
    /// </summary>
    private static (VerificationReason Reason, string Message)? CheckPassphrase(SignedRequest request, CachedKey entry)
    {
        if (request.Scheme != SigningScheme.KuCoin)
        {
            return entry.PassphraseMac is null
                ? null
                : (VerificationReason.BadPassphrase, "This key has a passphrase: sign with KuCoin's KC-API-* headers, KC-API-PASSPHRASE included.");
        }

        if (entry.PassphraseMac is null)
        {
            return (VerificationReason.BadPassphrase, "This key has no passphrase: sign with the KA-API-* headers.");
        }

        var version = request.KeyVersion switch
        {
            null or "" or "1" => KuCoinKeyVersions.V1,
            "2" => KuCoinKeyVersions.V2,
            "3" => KuCoinKeyVersions.V3,
            _ => KuCoinKeyVersions.None,
        };
        if (version == KuCoinKeyVersions.None)
        {
            return (VerificationReason.KeyVersionNotAccepted, "KC-API-KEY-VERSION must be 1, 2 or 3.");
        }

        if (!entry.Key!.KeyVersions.HasFlag(version))
        {
            return (VerificationReason.KeyVersionNotAccepted, $"The key accepts key version {string.Join(" and ", entry.Key.KeyVersions.Numbers())}, not {version.Numbers()[0]}.");
        }

        Span<byte> presented = stackalloc byte[48];
        var passphrase = request.Passphrase!;
        bool wellFormed;
        if (version == KuCoinKeyVersions.V1)
        {
            Span<byte> plain = stackalloc byte[KeyPassphrase.MaxLength];
            wellFormed = passphrase.Length <= KeyPassphrase.MaxLength && Encoding.UTF8.GetByteCount(passphrase) <= plain.Length;
            if (wellFormed)
            {
                var length = Encoding.UTF8.GetBytes(passphrase, plain);
                HMACSHA256.HashData(entry.Secret, plain[..length], presented);
                CryptographicOperations.ZeroMemory(plain);
            }
        }
        else
        {
            wellFormed = passphrase.Length <= 64 && Convert.TryFromBase64String(passphrase, presented, out var length) && length == RequestSigner.SignatureBytes;
        }

        return wellFormed && FixedTime.MacEquals(presented[..RequestSigner.SignatureBytes], entry.PassphraseMac)
            ? null
            : (VerificationReason.BadPassphrase, "The passphrase does not match.");
    }

    private CachedKey? Lookup(string keyId, DateTimeOffset now)
    {
        if (cache.TryGetValue(keyId, out var cached) && Within(now - cached.CheckedAt, options.RevalidateAfter))
        {
            return cached;
        }

        // One statement, outside any transaction: the key, its account, their checks, and the sealed secret and
        // passphrase (on PostgreSQL one round trip, prepared on the pooled connection).
        var generation = Volatile.Read(ref changeGeneration);
        // A key entering the cache is read whole; a revalidation reads what the verifier decides on, and the whole row
        // again every FullCheckAfter.
        var whole = cached is null || cached.Tampered is not null || !Within(now - cached.FullCheckedAt, options.FullCheckAfter);
        var loaded = store.ReadStatement(reader => reader.FindKeyMaterial(keyId, whole)) is { } material ? Load(keyId, material, cached, now, whole) : null;
        if (loaded is not null && Volatile.Read(ref changeGeneration) != generation)
        {
            // A change was committed while this read ran, and it may be older than the change: kept, but read again
            // on the next request rather than trusted for RevalidateAfter.
            loaded = loaded with { CheckedAt = DateTimeOffset.MinValue };
        }

        if (loaded is null)
        {
            cache.TryRemove(keyId, out _);
            return null;
        }

        cache[keyId] = loaded;
        // Looked at again once stored, behind a full barrier: a change counted after the look above but forgotten
        // before the store (OnRowsChanged and OnKeyChanged count, then forget) would otherwise leave this read, older
        // than the change, trusted for RevalidateAfter. Either this look sees the count, or their forget sees the store.
        Interlocked.MemoryBarrier();
        if (loaded.CheckedAt != DateTimeOffset.MinValue && Volatile.Read(ref changeGeneration) != generation)
        {
            cache.TryUpdate(keyId, loaded with { CheckedAt = DateTimeOffset.MinValue }, loaded);
        }

        return loaded;
    }

    /// <summary>
    /// Whether a check <paramref name="age"/> ago still stands. An age below zero is a wall clock set back since (or a
    /// request that began before the check): not trusted, or a clock set back an hour would keep every cached key
    /// for an hour whatever RevalidateAfter says.
    /// </summary>
    private static bool Within(TimeSpan age, TimeSpan limit) => age >= TimeSpan.Zero && age < limit;

    /// <summary>The cache entry for a key as read; null when it is deleted, or when nothing usable is there.</summary>
    private CachedKey? Load(string keyId, KeyMaterial material, CachedKey? cached, DateTimeOffset now, bool whole)
    {
        var (key, tampered) = (material.Key, material.Tampered);
        if (tampered is null && (key is null || key.StoredStatus == ApiKeyStatus.Deleted))
        {
            return null;
        }

        // A passphrase and the versions that use it come together (the row's seal covers both): a key with one
        // and not the other is not used at all.
        if (key is not null && key.HasPassphrase != (key.KeyVersions != KuCoinKeyVersions.None))
        {
            return null;
        }

        var requireCode = key?.RequireWithdrawalCode ?? false;
        if (cached is not null && key is not null && cached.Key?.HasPassphrase == key.HasPassphrase && cached.Tampered is null)
        {
            return cached with { Key = key, RequireWithdrawalCode = requireCode, CheckedAt = now, FullCheckedAt = whole ? now : cached.FullCheckedAt };
        }

        // AES-GCM under the key id: a secret that opens is this key's, whatever happened to its row.
        if (material.SealedSecret is not { } sealedSecret)
        {
            return null;
        }

        byte[] secret;
        try
        {
            secret = store.Secrets.Open(sealedSecret, SealIdentity.ApiKey(keyId));
        }
        catch (CryptographicException)
        {
            return null;
        }

        if (key is null)
        {
            return new CachedKey(null, secret, null, requireCode, now, now, tampered);
        }

        try
        {
            return new CachedKey(key, secret, PassphraseMac(key, material.SealedPassphrase, secret), requireCode, now, whole ? now : DateTimeOffset.MinValue);
        }
        catch (Exception e) when (e is CryptographicException or KeyAdminException { Error: KeyAdminError.StoreTampered })
        {
            // A passphrase gone, or one that does not open under this key's id, was put there outside KeyAdmin: the
            // key is refused like a tampered row (and only a caller who holds the secret learns it), never thrown.
            return new CachedKey(null, secret, null, requireCode, now, now, e as KeyAdminException ??
                Storage.Sql.StoreSession.Tampered(Storage.Tables.Keys, keyId, "its sealed passphrase does not open under its id"));
        }
    }

    /// <summary>HMAC-SHA256(secret, passphrase): all the verifier keeps of a passphrase; the passphrase itself is wiped.</summary>
    private byte[]? PassphraseMac(KeyDecision key, byte[]? sealedPassphrase, byte[] secret)
    {
        if (!key.HasPassphrase)
        {
            return null;
        }

        // The row's seal says the key has a passphrase; AES-GCM says this one is the key's.
        if (sealedPassphrase is null)
        {
            throw Storage.Sql.StoreSession.Tampered(Storage.Tables.Keys, key.KeyId, "it has lost the passphrase its seal says it has");
        }

        var passphrase = store.Secrets.Open(sealedPassphrase, SealIdentity.ApiKeyPassphrase(key.KeyId));
        try
        {
            return HMACSHA256.HashData(secret, passphrase);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }

    private (VerificationReason Reason, string Message)? ConfirmWithdrawal(KeyDecision key, string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return (VerificationReason.TwoFactorRequired, "Withdrawals of this account need an authenticator code with the request.");
        }

        try
        {
            // The key as the confirming transaction reads it: the cache's copy may be up to RevalidateAfter old.
            return operations.ConfirmWithdrawal(key.KeyId, code) switch
            {
                ApiKeyStatus.Enabled => null,
                ApiKeyStatus.Disabled => (VerificationReason.Disabled, "The key is disabled."),
                ApiKeyStatus.Expired => (VerificationReason.Expired, "The key has expired."),
                _ => (VerificationReason.UnknownKey, "There is no such key."),
            };
        }
        catch (KeyAdminException e)
        {
            return e.Error switch
            {
                KeyAdminError.TwoFactorLockedOut => (VerificationReason.TwoFactorLockedOut, "This key's withdrawals are locked after repeated wrong codes."),
                KeyAdminError.StoreTampered => (VerificationReason.StoreTampered, "The account's records in the store fail their integrity check."),
                _ => (VerificationReason.TwoFactorInvalid, "The authenticator code is not valid."),
            };
        }
    }

    /// <summary>
    /// Counted against the key only when it exists (<paramref name="key"/>); made-up ids share one counter, so a
    /// caller without a key cannot add a counter, or an audit record, per id it invents.
    /// </summary>
    private VerificationResult Refuse(KeyDecision? key, string? keyId, VerificationReason reason, string message, DateTimeOffset now)
    {
        ledger.Refused(key?.KeyId, reason, now);
        return new VerificationResult(reason, keyId, key?.AccountName, message);
    }

    /// <summary>Rows that another process (or this one) committed: their keys, and every key of their accounts, are read again.</summary>
    private void OnRowsChanged(IReadOnlyCollection<string> rows)
    {
        Interlocked.Increment(ref changeGeneration);
        foreach (var row in rows)
        {
            var (table, id) = Storage.RowSeal.Split(row);
            if (table == Storage.Tables.Keys)
            {
                Forget(id);
            }
            else if (table == Storage.Tables.Accounts)
            {
                foreach (var cached in cache.Where(c => c.Value.Key?.AccountId == id).Select(c => c.Key).ToList())
                {
                    Forget(cached);
                }
            }
        }
    }

    private void OnKeyChanged(string storeLocation, string keyId)
    {
        if (string.Equals(storeLocation, location, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref changeGeneration);
            Forget(keyId);
        }
    }

    /// <summary>Drops a key from the cache; the next request reads it again. (A request using the entry right now still has it.)</summary>
    private void Forget(string keyId) => cache.TryRemove(keyId, out _);

    /// <summary>
    /// A key as the verifier holds it: its record, its secret and HMAC(secret, passphrase) for a key with one; one
    /// whose row fails its check keeps only its (authentic) secret and the refusal.
    /// </summary>
    private sealed record CachedKey(KeyDecision? Key, byte[] Secret, byte[]? PassphraseMac, bool RequireWithdrawalCode, DateTimeOffset CheckedAt, DateTimeOffset FullCheckedAt, KeyAdminException? Tampered = null)
    {
        /// <summary>HMAC-SHA256 under <see cref="Secret"/>, its key schedule done once; shared by the entry's revalidated copies.</summary>
        public ReusableHmac Mac { get; } = new(Secret);

        /// <summary>
        /// Whether the entry's secret and passphrase MAC may be zeroes, so that a comparison with them made just before
        /// must not count. The HMAC is shared by the entry's revalidated copies, and <see cref="Wipe"/> disposes it
        /// (behind a full barrier) before it zeroes anything.
        /// </summary>
        public bool Wiped => Mac.IsDisposed;

        public void Wipe()
        {
            Mac.Dispose();
            CryptographicOperations.ZeroMemory(Secret);
            if (PassphraseMac is not null)
            {
                CryptographicOperations.ZeroMemory(PassphraseMac);
            }
        }
    }
}
