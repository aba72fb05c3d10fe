using System.Text.RegularExpressions;
using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.TwoFactor;

public static partial class AuthenticatorNames
{
    /// <summary>The name of the person's authenticator that every account enrols at creation.</summary>
    public const string Primary = "primary";

    public static string Check(string name)
    {
        if (!Pattern().IsMatch(name))
        {
            throw new KeyAdminException(KeyAdminError.InvalidName, $"'{name}' is not a valid authenticator name: use 1 to 64 letters, digits, '.', '_' or '-'.", name);
        }

        return name;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();
}
