using System.Net;
using System.Net.Sockets;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Keys;

/// <summary>
/// One entry of a key's IP binding: a single address or a CIDR range, IPv4 or IPv6. IPv4-mapped IPv6
/// addresses are folded to IPv4, so "::ffff:203.0.113.7" and "203.0.113.7" are the same rule.
/// </summary>
public sealed class IpRule : IEquatable<IpRule>
{
    private readonly byte[] network;

    // The rule as written (the binding's text, each row seal's input, each listed key's IpAddresses): formatted
    // once, or taken as parsed where that is already the form ToString writes.
    private string? text;

    private IpRule(IPAddress address, int prefixLength, byte[] network, string? text = null)
    {
        Address = address;
        PrefixLength = prefixLength;
        this.network = network;
        this.text = text;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    private int MaxPrefix => Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;

    public override string ToString() =>
        text ??= PrefixLength == MaxPrefix ? Address.ToString() : $"{Address}/{PrefixLength}";

    public static IpRule Parse(string text)
    {
        if (!TryParse(text, out var rule, out var problem))
        {
            throw new KeyAdminException(KeyAdminError.InvalidIpAddress, $"'{text}' is not a valid IP address or CIDR range: {problem}", text);
        }

        return rule!;
    }

    public static bool TryParse(string? text, out IpRule? rule, out string problem)
    {
        rule = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0 || value.Length > 64)
        {
            problem = "expected an address such as 203.0.113.7, 2001:db8::1 or 10.0.0.0/24.";
            return false;
        }

        var slash = value.IndexOf('/');
        if (!TryParseAddress(slash < 0 ? value : value[..slash], out var address))
        {
            problem = "expected an address such as 203.0.113.7, 2001:db8::1 or 10.0.0.0/24.";
            return false;
        }

        var mapped = address.IsIPv4MappedToIPv6;
        var written = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = written;
        if (slash >= 0)
        {
            var prefixText = value[(slash + 1)..];
            if (!int.TryParse(prefixText, System.Globalization.NumberStyles.None, null, out prefix) || prefix > written ||
                (mapped && prefix < 96))
            {
                problem = $"the prefix length must be a number from {(mapped ? 96 : 0)} to {written}.";
                return false;
            }
        }

        if (mapped)
        {
            // "::ffff:10.0.0.0/120" is an IPv4 range written in IPv6 form.
            address = address.MapToIPv4();
            prefix -= 96;
        }

        var bytes = address.GetAddressBytes();
        if (HasHostBits(bytes, prefix))
        {
            problem = $"host bits are set; the network is {new IPAddress(Mask(bytes, prefix))}/{prefix}.";
            return false;
        }

        // A dotted-decimal quad, and a prefix without leading zeros, are written back exactly as they were read.
        var canonical = address.AddressFamily == AddressFamily.InterNetwork && !mapped &&
            (slash < 0 ? prefix == 32 : prefix < 32 && value.AsSpan(slash + 1) is var digits && (digits.Length == 1 || digits[0] != '0'))
            ? value
            : null;
        var candidate = new IpRule(address, prefix, bytes, canonical);
        rule = candidate;
        problem = string.Empty;
        return true;
    }

    /// <summary>
    /// Parses one address as strictly as a binding does, for bindings and for callers alike. IPAddress.Parse
    /// accepts shorthand such as "10" or "1.2.3", integers and octal or hex parts ("010.0.0.1" is 8.0.0.1); only
    /// the plain dotted-decimal quad is IPv4 here, and IPv6 without a zone, so an address is what a person reads.
    /// </summary>
    public static bool TryParseAddress(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length is 0 or > 45 || !IPAddress.TryParse(value, out var parsed) ||
            (parsed.AddressFamily == AddressFamily.InterNetwork && !IsDottedDecimal(value)) ||
            (parsed.AddressFamily == AddressFamily.InterNetworkV6 && (parsed.ScopeId != 0 || value.Contains('%'))))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>True when <paramref name="caller"/> falls inside this rule.</summary>
    public bool Contains(IPAddress caller)
    {
        caller = Fold(caller);
        if (caller.AddressFamily != Address.AddressFamily)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!caller.TryWriteBytes(bytes, out var length))
        {
            return false;
        }

        return PrefixMatches(bytes[..length], network, PrefixLength);
    }

    public bool Equals(IpRule? other) =>
        other is not null && PrefixLength == other.PrefixLength && Address.Equals(other.Address);

    public override bool Equals(object? obj) => Equals(obj as IpRule);

    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength);

    private static bool IsDottedDecimal(string text)
    {
        var rest = text.AsSpan();
        for (var parts = 1; ; parts++)
        {
            var dot = rest.IndexOf('.');
            var part = dot < 0 ? rest : rest[..dot];
            if (part.Length is < 1 or > 3 || part.ContainsAnyExceptInRange('0', '9') || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }

            if (dot < 0)
            {
                return parts == 4;
            }

            rest = rest[(dot + 1)..];
        }
    }

    private static IPAddress Fold(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool PrefixMatches(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> network, int prefix)
    {
        var whole = prefix / 8;
        if (!candidate[..whole].SequenceEqual(network[..whole]))
        {
            return false;
        }

        var rest = prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (candidate[whole] & mask) == (network[whole] & mask);
    }

    private static bool HasHostBits(byte[] bytes, int prefix)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            if ((bytes[i] & (byte)~(0xFF << (8 - bits))) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Mask(byte[] bytes, int prefix)
    {
        var masked = (byte[])bytes.Clone();
        for (var i = 0; i < masked.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            masked[i] &= (byte)(0xFF << (8 - bits));
        }

        return masked;
    }
}
