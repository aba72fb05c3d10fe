namespace KeyAdmin.Core.TwoFactor;

/// <summary>
/// Supplies an authenticator code when an operation needs one: the -Code parameter, a prompt in an interactive
/// session, or a refusal that names -Code when nobody can answer. Called outside any store transaction.
/// </summary>
public interface ITwoFactorCodeSource
{
    /// <summary>Returns a code for <paramref name="accountName"/>, or throws TwoFactorCodeRequired.</summary>
    string GetCode(string accountName, string operation);
}
