using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CubePS.Export;

/// <summary>
/// The Windows side of <see cref="UnixFiles.CreateOwnerOnly"/>: a new file whose security
/// descriptor, given to CreateFileW itself, has a protected DACL that grants the file's owner and
/// SYSTEM alone (SDDL D:P(A;;FA;;;OW)(A;;FA;;;SY)): nothing inherited from the folder (no Everyone
/// or Users read) at any moment. netstandard2.0 has no FileStream that takes a FileSecurity, so
/// the call is made directly; where it cannot be (no such entry point), FileStream's own
/// CreateNew is what remains. Compiled for netstandard2.0 and net472; not run on this project's
/// Linux CI.
/// </summary>
internal static class WindowsFiles
{
    private const string OwnerOnly = "D:P(A;;FA;;;OW)(A;;FA;;;SY)";

    public static FileStream CreateOwnerOnly(string path, FileAccess access, int bufferSize, FileOptions options)
    {
        IntPtr descriptor;
        try
        {
            if (!NativeMethods.ConvertStringSecurityDescriptorToSecurityDescriptorW(OwnerOnly, 1, out descriptor, IntPtr.Zero))
            {
                throw new Win32Exception(Marshal.GetLastWin32Error());
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return new FileStream(path, FileMode.CreateNew, access, FileShare.None, bufferSize, options);
        }

        try
        {
            var attributes = new NativeMethods.SecurityAttributes
            {
                Length = Marshal.SizeOf<NativeMethods.SecurityAttributes>(),
                SecurityDescriptor = descriptor,
                InheritHandle = false,
            };
            var desired = (access == FileAccess.Write ? 0 : NativeMethods.GenericRead) | NativeMethods.GenericWrite
                | ((options & FileOptions.DeleteOnClose) != 0 ? NativeMethods.Delete : 0);
            var flags = NativeMethods.FileAttributeNormal | ((options & FileOptions.DeleteOnClose) != 0 ? NativeMethods.FileFlagDeleteOnClose : 0);
            var handle = NativeMethods.CreateFileW(LongPath(Path.GetFullPath(path)), desired, 0, ref attributes, NativeMethods.CreateNew, flags, IntPtr.Zero);
            if (handle.IsInvalid)
            {
                var error = Marshal.GetLastWin32Error();
                handle.Dispose();
                var words = new Win32Exception(error).Message + ": '" + path + "'";
                throw error == NativeMethods.ErrorAccessDenied ? new UnauthorizedAccessException(words) : new IOException(words, unchecked((int)0x80070000) | error);
            }

            return new FileStream(handle, access, bufferSize);
        }
        finally
        {
            NativeMethods.LocalFree(descriptor);
        }
    }

    /// <summary>A full path past MAX_PATH in the \\?\ form CreateFileW takes it in.</summary>
    private static string LongPath(string path)
    {
        if (path.Length < 260 || path.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return path;
        }

        return path.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + path.Substring(2) : @"\\?\" + path;
    }

    private static class NativeMethods
    {
        public const int GenericRead = unchecked((int)0x80000000);
        public const int GenericWrite = 0x40000000;
        public const int Delete = 0x00010000;
        public const int CreateNew = 1;
        public const int FileAttributeNormal = 0x80;
        public const int FileFlagDeleteOnClose = 0x04000000;
        public const int ErrorAccessDenied = 5;

        [StructLayout(LayoutKind.Sequential)]
        public struct SecurityAttributes
        {
            public int Length;
            public IntPtr SecurityDescriptor;
            [MarshalAs(UnmanagedType.Bool)]
            public bool InheritHandle;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern SafeFileHandle CreateFileW(string fileName, int desiredAccess, int shareMode, ref SecurityAttributes securityAttributes, int creationDisposition, int flagsAndAttributes, IntPtr templateFile);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool ConvertStringSecurityDescriptorToSecurityDescriptorW(string stringSecurityDescriptor, int revision, out IntPtr securityDescriptor, IntPtr securityDescriptorSize);

        [DllImport("kernel32.dll")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern IntPtr LocalFree(IntPtr memory);
    }
}
