namespace KeyAdmin.Core.Errors;

/// <summary>
/// The one exception type the core throws for refusals. <see cref="Target"/> is a key id, account or
/// authenticator name, an address or a path: never secret material, and neither is the message.
/// </summary>
public sealed class KeyAdminException : Exception
{
    public KeyAdminException(KeyAdminError error, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        Target = target;
    }

    public KeyAdminError Error { get; }

    public object? Target { get; }

    /// <summary>The stable id a PowerShell error record carries, for example <c>KeyAdmin.KeyLimitReached</c>.</summary>
    public string ErrorId => "KeyAdmin." + Error;
}
