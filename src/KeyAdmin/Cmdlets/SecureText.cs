using System.Runtime.InteropServices;
using System.Security;

namespace KeyAdmin.Cmdlets;

/// <summary>The few places where a SecureString must become text (a code typed at a prompt, -AsPlainText).</summary>
internal static class SecureText
{
    public static string ToPlain(SecureString value)
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
