using System.Net;
using System.Security;
using System.Text;
using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Authority;
using KeyAdmin.Core.Crypto;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Postgres;
using KeyAdmin.Core.Storage.Sqlite;
using KeyAdmin.Core.TwoFactor;
using KeyAdmin.Core.Verification;
using Microsoft.Extensions.Time.Testing;

namespace KeyAdmin.Benchmarks.Support;

/// <summary>
/// One benchmark's world: a throw-away SQLite store in a temp folder (on the same disk as a real store, so an
/// fsync costs what it costs), a fixed clock that starts ten seconds into a TOTP step, and the authority.
/// </summary>
/// <remarks>
/// The clock is a <see cref="FakeTimeProvider"/>: codes and signed timestamps stay fresh for as long as a
/// benchmark runs, and a benchmark that needs a new TOTP step moves the clock itself. A world shared with
/// another process (the service command's) runs on the system clock instead, the clock that process keeps.
/// </remarks>
public sealed class BenchWorld : IDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 10, TimeSpan.Zero);

    private BenchWorld(string folder, string? postgres, TimeProvider time)
    {
        Folder = folder;
        StorePath = Path.Combine(folder, "keyadmin.db");
        Time = time;
        var kek = new FileKeyEncryptionKeySource(KeyFile);
        Store = postgres is null ? SqliteStore.Open(StorePath, kek) : PostgresStore.Open(postgres, kek);
        Authority = new KeyAdminAuthority(Store, Time, new Actor("bench", "bench-host"));
    }

    public string Folder { get; }

    /// <summary>The SQLite file (for PostgreSQL, only the key-encryption key file lives beside this path).</summary>
    public string StorePath { get; }

    /// <summary>The key-encryption key file, beside <see cref="StorePath"/>.</summary>
    public string KeyFile => StoreLocation.KeyFileFor(StorePath);

    /// <summary>The clock the authority keeps: <see cref="Clock"/>, or the system clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The fixed clock, which a benchmark moves itself; a world on the system clock has none.</summary>
    public FakeTimeProvider Clock => Time as FakeTimeProvider ?? throw new InvalidOperationException("This world runs on the system clock.");

    public IKeyAdminStore Store { get; }

    public KeyAdminAuthority Authority { get; }

    /// <summary>A new store under the system temp folder (or $KEYADMIN_BENCH_DIR, to put it on another disk).</summary>
    public static BenchWorld Create() => Create(postgres: null);

    /// <summary>
    /// A new store in the PostgreSQL database <paramref name="postgres"/> names (an empty one), or an SQLite store when
    /// it is null; on the fixed clock at <see cref="Start"/>, or on <paramref name="time"/>.
    /// </summary>
    public static BenchWorld Create(string? postgres, TimeProvider? time = null)
    {
        var root = Environment.GetEnvironmentVariable("KEYADMIN_BENCH_DIR") is { Length: > 0 } chosen ? chosen : Path.GetTempPath();
        var folder = Path.Combine(root, "keyadmin-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return new BenchWorld(folder, postgres, time ?? new FakeTimeProvider(Start));
    }

    /// <summary>
    /// Raises the store's key limit so that a benchmark can create many keys in one account, confirmed by a store
    /// administrator enrolled for it (the policy needs the store administrator's code).
    /// </summary>
    public void RaiseKeyLimit(int limit)
    {
        var enrollment = Authority.StoreAdministrator.Enrol("bench@example.com");
        var administrator = new BenchAccount(Core.Accounts.StoreAdministrator.AccountName, Totp.FromBase32(Reveal(enrollment.Secret)), Time);
        Authority.Authenticators.Confirm(administrator.Name, null, TwoFactorProof.FromCode(administrator.NextCode()));
        Authority.Policy.Set(p => p with { MaxKeysPerAccount = limit }, TwoFactorProof.FromCode(administrator.NextCode()));
    }

    /// <summary>Creates an account and confirms its primary authenticator with a code of the previous step.</summary>
    public BenchAccount NewAccount(string name)
    {
        var enrollment = Authority.Accounts.Create(name, name + "@example.com");
        var account = new BenchAccount(name, Totp.FromBase32(Reveal(enrollment.Secret)), Time);
        Authority.Authenticators.Confirm(name, null, TwoFactorProof.FromCode(account.NextCode()));
        return account;
    }

    /// <summary>Creates a key and returns it with its secret as the ASCII bytes a client signs with.</summary>
    public (ApiKey Key, byte[] Secret) NewKey(BenchAccount account, string name, ApiKeyPermission permissions, params string[] ipAddresses)
    {
        var issued = Authority.Keys.Create(
            new NewKeyRequest { Account = account.Name, Name = name, Permissions = permissions, IpAddresses = ipAddresses, AllowUnboundSensitive = true },
            account.KeyProof());
        return (issued.Key, Encoding.ASCII.GetBytes(Reveal(issued.Secret)));
    }

    /// <summary>A key with KuCoin's passphrase (accepting key versions 2 and 3), and its secret as a client signs with it.</summary>
    public (ApiKey Key, byte[] Secret) NewKuCoinKey(BenchAccount account, string name, ApiKeyPermission permissions, string passphrase, params string[] ipAddresses)
    {
        var issued = Authority.Keys.Create(
            new NewKeyRequest { Account = account.Name, Name = name, Permissions = permissions, IpAddresses = ipAddresses, Passphrase = new NetworkCredential(string.Empty, passphrase).SecurePassword },
            account.KeyProof());
        return (issued.Key, Encoding.ASCII.GetBytes(Reveal(issued.Secret)));
    }

    /// <summary>A request with KuCoin's five headers, as KuCoin's client libraries sign it (key version 2).</summary>
    public SignedRequest SignKuCoin(ApiKey key, byte[] secret, string passphrase, string method, string pathAndQuery, string body, string caller, ApiKeyPermission permission) =>
        Sign(key, secret, method, pathAndQuery, body, caller, permission) with
        {
            Scheme = SigningScheme.KuCoin,
            Passphrase = KuCoinSigning.SignPassphrase(secret, Encoding.ASCII.GetBytes(passphrase)),
            KeyVersion = "2",
        };

    /// <summary>A signed request as a client sends it, timestamped by the world's clock.</summary>
    public SignedRequest Sign(ApiKey key, byte[] secret, string method, string pathAndQuery, string body, string caller, ApiKeyPermission permission)
    {
        var timestamp = Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        return new SignedRequest
        {
            KeyId = key.KeyId,
            Timestamp = timestamp,
            Signature = RequestSigner.Sign(secret, timestamp, method, pathAndQuery, bodyBytes),
            Method = method,
            PathAndQuery = pathAndQuery,
            ContentType = bodyBytes.Length == 0 ? null : "application/json",
            Body = bodyBytes,
            CallerAddress = IPAddress.Parse(caller),
            RequiredPermission = permission,
        };
    }

    /// <summary>The canonical message of a signed request (timestamp + METHOD + path-with-query + body), as bytes.</summary>
    public static byte[] CanonicalMessage(SignedRequest request) =>
        Encoding.UTF8.GetBytes(request.Timestamp + request.Method!.ToUpperInvariant() + request.PathAndQuery)
            .Concat(request.Body.ToArray())
            .ToArray();

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
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The plain text of a SecureString, for the benchmark's own use; never printed.</summary>
    private static string Reveal(SecureString value) => new NetworkCredential(string.Empty, value).Password;
}

/// <summary>An account the benchmark created, with the seed of its confirmed primary authenticator.</summary>
public sealed class BenchAccount
{
    private readonly byte[] seed;
    private readonly TimeProvider clock;
    private long lastStep;
    private (TwoFactorProof Proof, DateTimeOffset At)? keyProof;

    public BenchAccount(string name, byte[] seed, TimeProvider clock)
    {
        Name = name;
        this.seed = seed;
        this.clock = clock;
    }

    public string Name { get; }

    /// <summary>A code the store has not seen: from the next unused step inside the ±1 window of the clock.</summary>
    public string NextCode()
    {
        var now = Totp.StepAt(clock.GetUtcNow());
        var step = Math.Max(now - 1, lastStep + 1);
        if (step > now + 1)
        {
            throw new InvalidOperationException("Every code of the window is spent; move the clock on.");
        }

        lastStep = step;
        return CodeAt(step);
    }

    /// <summary>One code confirms the set-up's key creations, as one code confirms one command's; renewed when it lapses.</summary>
    public TwoFactorProof KeyProof()
    {
        var now = clock.GetUtcNow();
        if (keyProof is not { } current || now - current.At > TimeSpan.FromMinutes(4))
        {
            keyProof = (TwoFactorProof.FromCode(NextCode()), now);
        }

        return keyProof.Value.Proof;
    }

    public string CodeAt(long step) => Totp.ComputeCode(seed, DateTimeOffset.FromUnixTimeSeconds(step * Totp.PeriodSeconds));

    /// <summary>The seed, for a bare Otp.NET baseline over the same authenticator.</summary>
    public byte[] Seed => seed;
}
