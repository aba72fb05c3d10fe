using System.Net.Mail;
using System.Text.RegularExpressions;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Accounts;

/// <summary>What names, memos and e-mail addresses may be.</summary>
public static partial class Names
{
    public const int MaxKeyNameLength = 64;
    public const int MaxMemoLength = 256;

    public static string Account(string name)
    {
        if (!AccountPattern().IsMatch(name ?? string.Empty))
        {
            throw new KeyAdminException(KeyAdminError.InvalidName, $"'{name}' is not a valid account name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.", name);
        }

        return name!;
    }

    /// <summary>Key names are labels (R7): any printable text up to 64 characters, trimmed.</summary>
    public static string Key(string name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed.Length > MaxKeyNameLength || trimmed.Any(char.IsControl) || trimmed.IndexOfAny(new[] { '*', '?', '[', ']' }) >= 0)
        {
            throw new KeyAdminException(KeyAdminError.InvalidName, $"'{name}' is not a valid key name: use 1 to {MaxKeyNameLength} printable characters without wildcards (* ? [ ]).", name);
        }

        return trimmed;
    }

    public static string Memo(string? memo)
    {
        var value = memo ?? string.Empty;
        if (value.Length > MaxMemoLength || value.Any(c => char.IsControl(c) && c != '\t'))
        {
            throw new KeyAdminException(KeyAdminError.InvalidMemo, $"A memo is at most {MaxMemoLength} printable characters.", value.Length > 40 ? value[..40] + "…" : value);
        }

        return value;
    }

    public static string Email(string email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email.Trim())
        {
            throw new KeyAdminException(KeyAdminError.InvalidEmail, $"'{email}' is not a valid e-mail address.", email);
        }

        return parsed.Address;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex AccountPattern();
}
