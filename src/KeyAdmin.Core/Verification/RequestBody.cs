using System.Text.Json;

namespace KeyAdmin.Core.Verification;

/// <summary>
/// A signed body is JSON, as KuCoin's API takes it, and says so. The signature covers the bytes, not their
/// meaning; requiring the declared type and a well-formed document keeps a signed query (or a fragment of one)
/// from being accepted as a body, and a body from being read as something its Content-Type does not say.
/// </summary>
internal static class RequestBody
{
    /// <summary>application/json or a +json type, with no charset other than UTF-8.</summary>
    public static bool IsDeclaredJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }

        var parts = contentType.Split(';');
        var mediaType = parts[0].Trim();
        if (!mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) &&
            !(mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        foreach (var parameter in parts.Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair[0].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase) &&
                !(pair.Length == 2 && pair[1].Trim().Trim('"') is var charset &&
                  (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="body"/> is exactly one well-formed JSON value (UTF-8, no comments).</summary>
    public static bool IsJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
