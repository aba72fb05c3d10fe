using System.Security;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.Verification.Tests;

/// <summary>A throw-away store with one confirmed account, and helpers to make keys and signed requests.</summary>
public sealed class Fixture : IDisposable
{
    private readonly byte[] seed;
    private long lastStep;
    private (TwoFactorProof Proof, DateTimeOffset At)? keyProof;

    public Fixture(TimeProvider clock)
    {
        Clock = clock;
        Folder = Path.Combine(Path.GetTempPath(), "keyadmin-verify-" + Guid.NewGuid().ToString("N"));
        StorePath = Path.Combine(Folder, "keyadmin.db");
        Store = SqliteStore.Open(StorePath, new FileKeyEncryptionKeySource(StoreLocation.KeyFileFor(StorePath)));
        Authority = new KeyAdminAuthority(Store, clock, new Actor("tester", "test-host"));
        var enrollment = Authority.Accounts.Create("desk", "desk@example.com");
        seed = Totp.FromBase32(Plain(enrollment.Secret));
        Authority.Authenticators.Confirm("desk", null, TwoFactorProof.FromCode(NextCode()));
    }

    public TimeProvider Clock { get; }

    public string Folder { get; }

    public string StorePath { get; }

    public SqliteStore Store { get; }

    public KeyAdminAuthority Authority { get; }

    /// <summary>A fresh code: each from a later step than the last, within the ±1 window of the clock.</summary>
    public string NextCode()
    {
        var now = Totp.StepAt(Clock.GetUtcNow());
        var step = Math.Max(now - 1, lastStep + 1);
        if (step > now + 1)
        {
            throw new InvalidOperationException("All codes of the window are spent; advance the clock.");
        }

        lastStep = step;
        return Totp.ComputeCode(seed, DateTimeOffset.FromUnixTimeSeconds(step * Totp.PeriodSeconds));
    }

    public (ApiKey Key, byte[] Secret) NewKey(string name, ApiKeyPermission permissions, params string[] ipAddresses)
    {
        var issued = Authority.Keys.Create(
            new NewKeyRequest { Account = "desk", Name = name, Permissions = permissions, IpAddresses = ipAddresses, AllowUnboundSensitive = true },
            KeyProof());
        return (issued.Key, Encoding.ASCII.GetBytes(Plain(issued.Secret)));
    }

    /// <summary>A key with KuCoin's passphrase, used with the KC-API-* headers.</summary>
    public (ApiKey Key, byte[] Secret) NewKuCoinKey(string name, ApiKeyPermission permissions, string passphrase, KuCoinKeyVersions? versions = null, params string[] ipAddresses)
    {
        var issued = Authority.Keys.Create(
            new NewKeyRequest
            {
                Account = "desk",
                Name = name,
                Permissions = permissions,
                IpAddresses = ipAddresses,
                AllowUnboundSensitive = true,
                Passphrase = new System.Net.NetworkCredential(string.Empty, passphrase).SecurePassword,
                KeyVersions = versions,
            },
            KeyProof());
        return (issued.Key, Encoding.ASCII.GetBytes(Plain(issued.Secret)));
    }

    /// <summary>
    /// A request as a KuCoin client signs it: the signature over <paramref name="signedPath"/> (the decoded query,
    /// as the clients sign it; the wire form by default), sent as <paramref name="path"/>, and the passphrase in the
    /// form of <paramref name="version"/> (null: no version header, which is version 1).
    /// </summary>
    public SignedRequest SignKuCoin(ApiKey key, byte[] secret, string passphrase, string? version, string method, string path, string body, string caller, ApiKeyPermission permission, string? signedPath = null, DateTimeOffset? at = null)
    {
        var request = Sign(key, secret, method, signedPath ?? path, body, caller, permission, at);
        return request with
        {
            Scheme = SigningScheme.KuCoin,
            PathAndQuery = path,
            Passphrase = version is null or "1" ? passphrase : KuCoinSigning.SignPassphrase(secret, Encoding.UTF8.GetBytes(passphrase)),
            KeyVersion = version,
        };
    }

    /// <summary>One code confirms a test's key creations, as one code confirms one command's; renewed when it lapses.</summary>
    private TwoFactorProof KeyProof()
    {
        var now = Clock.GetUtcNow();
        if (keyProof is not { } current || now - current.At > TimeSpan.FromMinutes(4))
        {
            keyProof = (TwoFactorProof.FromCode(NextCode()), now);
        }

        return keyProof.Value.Proof;
    }

    public SignedRequest Sign(ApiKey key, byte[] secret, string method, string path, string body, string caller, ApiKeyPermission permission, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? Clock.GetUtcNow()).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        return new SignedRequest
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, method, path, bodyBytes),
            Method = method,
            PathAndQuery = path,
            ContentType = bodyBytes.Length == 0 ? null : "application/json",
            Body = bodyBytes,
            CallerAddress = System.Net.IPAddress.Parse(caller),
            RequiredPermission = permission,
        };
    }

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Plain(SecureString value)
    {
        var pointer = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(value);
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUni(pointer)!;
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
