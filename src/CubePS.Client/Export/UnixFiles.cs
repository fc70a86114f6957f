using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CubePS.Export;

/// <summary>
/// What an export needs to know of a Unix file that .NET's netstandard2.0 surface does not say:
/// whether it is a device, a pipe or a socket (which must be written into, never replaced), and
/// its permission bits (which a replacing file must keep). On Windows, and where the runtime lacks
/// what is asked, the answers are "a regular file" and "nothing to copy".
/// </summary>
internal static class UnixFiles
{
    // File.Get/SetUnixFileMode exist from .NET 7; CubePS.Client targets netstandard2.0.
    private static readonly MethodInfo? GetMode = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });

    private static readonly MethodInfo? SetMode = GetMode is null
        ? null
        : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), GetMode.ReturnType });

    private static bool OnUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>
    /// True when <paramref name="path"/> (its links followed) is there and is not a regular file or
    /// a folder: /dev/null, a named pipe, /dev/stdout. Export-Csv writes into such a file;
    /// replacing it would put a regular file in the device's place.
    /// </summary>
    public static bool IsSpecial(string path)
    {
        if (!OnUnix)
        {
            return false;
        }

        try
        {
            // The status layout of .NET's own native library: Flags (int), then Mode (int), whose
            // type bits it gives in its own portable constants.
            var status = new byte[256];
            if (NativeMethods.Stat(System.Text.Encoding.UTF8.GetBytes(path + "\0"), status) != 0)
            {
                return false;
            }

            var type = BitConverter.ToInt32(status, 4) & NativeMethods.TypeMask;
            return type is not NativeMethods.RegularFile and not NativeMethods.Directory;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Gives <paramref name="to"/> the mode of <paramref name="from"/>, when both are there and the platform has modes.</summary>
    public static void CopyPermissions(string from, string to)
    {
        if (GetMode is null || SetMode is null || !OnUnix || !File.Exists(from))
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

    private static class NativeMethods
    {
        public const int TypeMask = 0xF000;
        public const int Directory = 0x4000;
        public const int RegularFile = 0x8000;

        /// <summary>stat(2) through .NET's own native library; <paramref name="utf8Path"/> ends with a NUL.</summary>
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Stat(byte[] utf8Path, [Out] byte[] status);
    }
}
