using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Keys;

/// <summary>
/// KuCoin's third credential: chosen by the administrator at creation, 7 to 32 characters without spaces, sealed
/// like the secret and never shown again. Printable ASCII only, because key version 1 sends it as a header value.
/// </summary>
public static class KeyPassphrase
{
    public const int MinLength = 7;
    public const int MaxLength = 32;

    /// <summary>
    /// The passphrase as ASCII bytes (the caller wipes them), or an InvalidPassphrase error that says what is
    /// wrong without repeating any of it.
    /// </summary>
    public static byte[] ToBytes(SecureString passphrase, string keyName)
    {
        if (passphrase.Length is < MinLength or > MaxLength)
        {
            throw Invalid(keyName, $"it has {passphrase.Length} characters");
        }

        var bytes = new byte[passphrase.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(passphrase);
        try
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var c = (char)Marshal.ReadInt16(pointer, i * 2);
                if (c is < '!' or > '~')
                {
                    CryptographicOperations.ZeroMemory(bytes);
                    throw Invalid(keyName, char.IsWhiteSpace(c) ? "it contains a space" : "it contains a character that is not printable ASCII");
                }

                bytes[i] = (byte)c;
            }

            return bytes;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    private static KeyAdminException Invalid(string keyName, string why) => new(
        KeyAdminError.InvalidPassphrase,
        $"The passphrase of key '{keyName}' must be {MinLength} to {MaxLength} printable ASCII characters without spaces; {why}.",
        keyName);
}
