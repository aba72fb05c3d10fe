using System.Security;
using System.Security.Cryptography;
using System.Text;
using KeyAdmin.Core.Errors;
using OtpNet;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// RFC 6238 as Google Authenticator implements it: HMAC-SHA-1, 6 digits, 30-second steps, the current step
/// and one on either side for clock drift.
/// </summary>
public static class Totp
{
    public const int SeedBytes = 20; // 160 bits, the RFC 4226 recommendation.
    public const int Digits = 6;
    public const int PeriodSeconds = 30;
    public const string Issuer = "KeyAdmin";

    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(SeedBytes);

    /// <summary>The time step a code of <paramref name="now"/> belongs to.</summary>
    public static long StepAt(DateTimeOffset now) => now.ToUnixTimeSeconds() / PeriodSeconds;

    /// <summary>The step whose code equals <paramref name="code"/> within ±1 step of <paramref name="now"/>, or null.</summary>
    public static long? MatchStep(byte[] seed, string code, DateTimeOffset now)
    {
        var totp = new OtpNet.Totp(seed, PeriodSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    /// <summary>The current code for <paramref name="seed"/>: what an automation job computes from the seed in its vault.</summary>
    public static string ComputeCode(byte[] seed, DateTimeOffset now) =>
        new OtpNet.Totp(seed, PeriodSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(now.UtcDateTime);

    /// <summary>Throws unless <paramref name="code"/> is exactly six ASCII digits; the code itself never enters the message.</summary>
    public static void CheckFormat(string? code)
    {
        if (code is null || code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            throw new KeyAdminException(KeyAdminError.TwoFactorCodeMalformed, $"An authenticator code is {Digits} digits.");
        }
    }

    public static string ToBase32(byte[] seed) => Base32Encoding.ToString(seed).TrimEnd('=');

    /// <summary>Decodes a base32 seed as shown at enrolment (spaces, case and padding ignored).</summary>
    public static byte[] FromBase32(string text)
    {
        var cleaned = new string(text.Where(c => !char.IsWhiteSpace(c) && c != '=').ToArray()).ToUpperInvariant();
        try
        {
            var bytes = Base32Encoding.ToBytes(cleaned);
            if (bytes.Length < 10)
            {
                throw new ArgumentException("too short");
            }

            return bytes;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new KeyAdminException(KeyAdminError.TwoFactorCodeMalformed, "The authenticator secret is not a base32 seed of at least 80 bits.", inner: null);
        }
    }

    /// <summary>The enrolment URI a phone scans (Google Authenticator's Key URI format).</summary>
    public static string OtpAuthUri(string accountName, string authenticatorName, byte[] seed)
    {
        var holder = accountName == Accounts.StoreAdministrator.AccountName ? "store administrator" : accountName;
        var label = Uri.EscapeDataString($"{Issuer}:{holder}") + (authenticatorName == AuthenticatorNames.Primary ? string.Empty : Uri.EscapeDataString($" ({authenticatorName})"));
        return $"otpauth://totp/{label}?secret={ToBase32(seed)}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits={Digits}&period={PeriodSeconds}";
    }

    public static SecureString ToSecureString(string value)
    {
        var secure = new SecureString();
        foreach (var c in value)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
