namespace KeyAdmin.Core.Keys;

/// <summary>
/// The KC-API-KEY-VERSION values a key with a passphrase accepts. Version 1 (or no version header) sends the
/// passphrase itself in a header; versions 2 and 3 send Base64(HMAC-SHA256(secret, passphrase)), which proves the
/// passphrase without showing it to whatever logs the headers. Chosen at creation and never changed.
/// </summary>
[Flags]
public enum KuCoinKeyVersions
{
    None = 0,
    V1 = 1,
    V2 = 2,
    V3 = 4,
}

public static class KuCoinKeyVersion
{
    /// <summary>What a new key with a passphrase accepts unless the administrator says otherwise: 2 and 3.</summary>
    public const KuCoinKeyVersions Default = KuCoinKeyVersions.V2 | KuCoinKeyVersions.V3;

    public const KuCoinKeyVersions All = KuCoinKeyVersions.V1 | KuCoinKeyVersions.V2 | KuCoinKeyVersions.V3;

    /// <summary>The flag of version <paramref name="version"/> (1, 2 or 3), or None for any other number.</summary>
    public static KuCoinKeyVersions Of(int version) => version switch
    {
        1 => KuCoinKeyVersions.V1,
        2 => KuCoinKeyVersions.V2,
        3 => KuCoinKeyVersions.V3,
        _ => KuCoinKeyVersions.None,
    };

    /// <summary>The version numbers in <paramref name="versions"/>, lowest first: what output objects show.</summary>
    public static int[] Numbers(this KuCoinKeyVersions versions)
    {
        Span<int> numbers = stackalloc int[3];
        var count = 0;
        for (var v = 1; v <= 3; v++)
        {
            if ((versions & Of(v)) != 0)
            {
                numbers[count++] = v;
            }
        }

        return numbers[..count].ToArray();
    }
}
