using System;
using System.Runtime.InteropServices;
using System.Security;

namespace CubePS.Connections;

/// <summary>Moving a secret between SecureString and string: the only code that does either.</summary>
internal static class SecretText
{
    /// <summary>The plain text of <paramref name="secure"/>; the unmanaged copy made on the way is zeroed.</summary>
    public static string Reveal(SecureString secure)
    {
        var pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    /// <summary>A read-only SecureString holding <paramref name="text"/> (the CUBE_* variables arrive as text).</summary>
    public static SecureString Protect(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
