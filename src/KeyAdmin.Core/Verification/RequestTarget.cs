namespace KeyAdmin.Core.Verification;

/// <summary>
/// The request target (path and query) as clients sign it. KeyAdmin's own clients sign exactly what they send.
/// KuCoin's clients sign the query <em>decoded</em> and send it percent-encoded, Python ones with '+' for a space,
/// Node ones with %20; with plain values (symbols, digits, enums) the two forms are the same. So the verifier
/// tries the wire form, and only when the query holds an escape or a '+', its decoded form with '+' read as a
/// space and with '+' kept: never a third guess.
/// </summary>
/// <remarks>
/// A decoding that would change how the query splits into parameters is never tried: an escaped '&amp;' anywhere,
/// or an escaped '=' in a parameter's name. Otherwise "a=1%26b=2" (one parameter a, whose value holds an
/// ampersand) would verify with the signature of "a=1&amp;b=2" (two parameters), a different request.
/// </remarks>
internal static class RequestTarget
{
    /// <summary>
    /// True when the target has only the characters RFC 3986 allows in a path and query, and '%' only before two
    /// hex digits: what a client's URL encoder sends. A body moved into the target (braces, quotes, spaces) is not.
    /// </summary>
    public static bool IsWellFormed(string target)
    {
        // Every request's target: the characters in one vectorised pass, then each escape.
        var span = target.AsSpan();
        if (span.ContainsAnyExcept(TargetCharacters))
        {
            return false;
        }

        for (var at = span.IndexOf('%'); at >= 0; at = span.IndexOf('%'))
        {
            if (at + 2 >= span.Length || !char.IsAsciiHexDigit(span[at + 1]) || !char.IsAsciiHexDigit(span[at + 2]))
            {
                return false;
            }

            span = span[(at + 3)..];
        }

        return true;
    }

    private static readonly System.Buffers.SearchValues<char> TargetCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%");

    /// <summary>True when the query holds an escape or a '+', so that a decoded form differs from the wire form.</summary>
    public static bool HasEncodedQuery(ReadOnlySpan<byte> target)
    {
        var query = target.IndexOf((byte)'?');
        return query >= 0 && target[(query + 1)..].IndexOfAny((byte)'%', (byte)'+') >= 0;
    }

    /// <summary>
    /// Writes the target with its query decoded into <paramref name="destination"/> (at most as long as the
    /// target); false when the decoding would change how the query splits into parameters.
    /// </summary>
    public static bool TryDecodeQuery(ReadOnlySpan<byte> target, bool plusIsSpace, Span<byte> destination, out int written)
    {
        var query = target.IndexOf((byte)'?') + 1;
        target[..query].CopyTo(destination);
        written = query;
        var inName = true;
        for (var i = query; i < target.Length; i++)
        {
            var b = target[i];
            switch (b)
            {
                case (byte)'&':
                    inName = true;
                    break;
                case (byte)'=':
                    inName = false;
                    break;
                case (byte)'+':
                    b = plusIsSpace ? (byte)' ' : b;
                    break;
                case (byte)'%':
                    // IsWellFormed has checked that two hex digits follow.
                    b = (byte)((HexValue(target[i + 1]) << 4) | HexValue(target[i + 2]));
                    i += 2;
                    if (b == '&' || (b == '=' && inName))
                    {
                        return false;
                    }

                    break;
            }

            destination[written++] = b;
        }

        return true;
    }

    private static int HexValue(byte digit) => digit switch
    {
        >= (byte)'0' and <= (byte)'9' => digit - '0',
        >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
        _ => digit - 'A' + 10,
    };
}
