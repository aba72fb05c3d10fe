using System.Runtime.InteropServices;
using System.Security;

namespace KeyAdmin.Tests.Support;

public static class Secure
{
    public static string ToPlain(object? value) => value switch
    {
        SecureString secure => Unwrap(secure),
        System.Management.Automation.PSObject wrapped => ToPlain(wrapped.BaseObject),
        string text => text,
        _ => throw new InvalidOperationException("Not a secret: " + value?.GetType()),
    };

    private static string Unwrap(SecureString value)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
