using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CubePS.Export;

/// <summary>
/// Copies a file's Unix permission bits to another, so that an export that replaces a file keeps
/// its mode (a 0600 file stays unreadable to others). File.Get/SetUnixFileMode exist from .NET 7,
/// and CubePS.Client targets netstandard2.0, hence the lookup; on Windows, File.Replace itself
/// keeps the replaced file's access list.
/// </summary>
internal static class UnixPermissions
{
    private static readonly MethodInfo? GetMode = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });

    private static readonly MethodInfo? SetMode = GetMode is null
        ? null
        : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), GetMode.ReturnType });

    /// <summary>Gives <paramref name="to"/> the mode of <paramref name="from"/>, when both are there and the platform has modes.</summary>
    public static void Copy(string from, string to)
    {
        if (GetMode is null || SetMode is null || RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || !File.Exists(from))
        {
            return;
        }

        try
        {
            SetMode.Invoke(null, new[] { to, GetMode.Invoke(null, new object[] { from }) });
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // An IOException or UnauthorizedAccessException reaches the caller as itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }
}
