using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CubePS.Export;

/// <summary>
/// What CubePS needs of a Unix file that .NET's netstandard2.0 surface does not give: creating a
/// file owner-only from its first system call (open(2) with mode 0600, never chmod afterwards),
/// giving it another file's owner, group, mode and ACL before any data is in it, a file's type and
/// owner without following a link, and a lock that outlives nothing but the process. On Windows,
/// and where the runtime lacks what is asked, files are created as .NET creates them and the
/// answers are "a regular file" and "nothing to copy".
/// </summary>
internal static class UnixFiles
{
    /// <summary>What lstat(2) says of a path.</summary>
    internal readonly struct Status
    {
        public Status(int mode, uint owner, uint group, string identity)
        {
            Mode = mode;
            Owner = owner;
            Group = group;
            Identity = identity;
        }

        /// <summary>The file's type, device and inode: which file this is, whatever its name.</summary>
        public string Identity { get; }

        public int Mode { get; }

        public uint Owner { get; }

        public uint Group { get; }

        public bool IsLink => (Mode & NativeMethods.TypeMask) == NativeMethods.Link;

        public bool IsDirectory => (Mode & NativeMethods.TypeMask) == NativeMethods.Directory;

        /// <summary>A folder like /tmp: anyone may create in it, the sticky bit keeps each one's files his own.</summary>
        public bool IsSharedStickyFolder => IsDirectory && (Mode & 0x200) != 0 && (Mode & 0x2) != 0;
    }

    // The POSIX ACL of a file, as Linux keeps it (what setfacl writes and getfacl reads).
    private const string AccessAclAttribute = "system.posix_acl_access";

    internal static bool OnUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    private static bool OnLinux => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    /// <summary>The effective user id of this process (0 where there is none to ask).</summary>
    public static uint EffectiveUserId => OnUnix ? NativeMethods.GetEUid() : 0;

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
            if (NativeMethods.Stat(Utf8(path), status) != 0)
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

    /// <summary>
    /// lstat(2): the path itself, a link not followed (stat(2) with <paramref name="followLink"/>). Null when nothing is there; any other
    /// failure (a name too long, a loop in the folders above it, no access) is an IOException or
    /// UnauthorizedAccessException with the system's own words.
    /// </summary>
    public static Status? LinkStatus(string path, bool followLink = false)
    {
        var status = new byte[256];
        if ((followLink ? NativeMethods.Stat(Utf8(path), status) : NativeMethods.LStat(Utf8(path), status)) == 0)
        {
            return StatusOf(status);
        }

        var errno = Marshal.GetLastWin32Error();
        if (errno == Errno.NoEntry)
        {
            return null;
        }

        throw Failure(errno, path);
    }

    private static Status StatusOf(byte[] status)
    {
        // .NET's FileStatus: Dev (int64) at 88, then Ino (.NET 6) or RDev and Ino (.NET 7 on):
        // the 24 bytes from 88 hold the device and the inode either way (the buffer starts zeroed).
        var mode = BitConverter.ToInt32(status, 4);
        var identity = (mode & NativeMethods.TypeMask).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ":" + BitConverter.ToString(status, 88, 24);
        return new Status(mode, BitConverter.ToUInt32(status, 8), BitConverter.ToUInt32(status, 12), identity);
    }

    /// <summary>
    /// Throws when <paramref name="path"/> (a link not followed) is not the file it was when it was
    /// checked (<paramref name="identity"/>; null: nothing was there): another user may have
    /// planted a file or a link there since, whose owner, mode or place the export must not take.
    /// </summary>
    public static Status? EnsureUnchanged(string path, string? identity)
    {
        if (!OnUnix)
        {
            return null;
        }

        var now = LinkStatus(path);
        if (now?.Identity != identity)
        {
            throw new IOException(identity is null
                ? "A file or link appeared under the target's name after the target was checked; it is not replaced and not followed."
                : "The target was replaced by another file or link after it was checked; it is not replaced and not followed.");
        }

        return now;
    }

    /// <summary>readlink(2): what a symbolic link says, as it says it.</summary>
    public static string ReadLink(string path)
    {
        var buffer = new byte[4096];
        var length = NativeMethods.ReadLink(Utf8(path), buffer, buffer.Length);
        if (length < 0)
        {
            throw Failure(Marshal.GetLastWin32Error(), path);
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>realpath(3): the path with every link and dot resolved, or null when it cannot be.</summary>
    public static string? RealPath(string path)
    {
        var result = NativeMethods.RealPath(Utf8(path));
        if (result == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            var length = 0;
            while (Marshal.ReadByte(result, length) != 0)
            {
                length++;
            }

            var bytes = new byte[length];
            Marshal.Copy(result, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            NativeMethods.Free(result);
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> is itself a mount point: a single file bind-mounted into a
    /// container, which rename(2) cannot replace (EBUSY). Read from /proc/self/mountinfo on Linux.
    /// </summary>
    public static bool IsMountPoint(string path)
    {
        if (!OnLinux || !File.Exists("/proc/self/mountinfo"))
        {
            return false;
        }

        var real = RealPath(path);
        if (real is null)
        {
            return false;
        }

        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": the fifth
            // field is the mount point, with space, tab, line feed and backslash as octal escapes.
            var fields = line.Split(' ');
            if (fields.Length > 4 && string.Equals(Unescape(fields[4]), real, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Creates <paramref name="path"/> as a new file only its owner can read or write, from the
    /// first system call on: open(2) with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (the umask can
    /// only narrow it), so no other user can open it in any moment, and a link planted under its
    /// name is refused, not followed. The file is locked (flock) while the stream is open, so that
    /// another export's clean-up knows it is in use. On Windows, see <see cref="WindowsFiles"/>.
    /// </summary>
    public static FileStream CreateOwnerOnly(string path, FileAccess access, int bufferSize, FileOptions options = FileOptions.None)
    {
        if (!OnUnix)
        {
            return WindowsFiles.CreateOwnerOnly(path, access, bufferSize, options);
        }

        var flags = NativeMethods.OpenCreate | NativeMethods.OpenExclusive | NativeMethods.OpenNoFollow | NativeMethods.OpenCloseOnExec
            | (access == FileAccess.Write ? NativeMethods.OpenWriteOnly : NativeMethods.OpenReadWrite);
        var descriptor = NativeMethods.Open(Utf8(path), flags, 0x180 /* 0600 */);
        if (descriptor == new IntPtr(-1))
        {
            throw Failure(Marshal.GetLastWin32Error(), path);
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        try
        {
            // Nobody else can have it open yet: the lock is taken at once.
            if (NativeMethods.FLock(handle, NativeMethods.LockExclusive | NativeMethods.LockNonBlocking) != 0)
            {
                throw Failure(Marshal.GetLastWin32Error(), path);
            }

            return new FileStream(handle, access, bufferSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Gives the open, still empty <paramref name="file"/> what <paramref name="from"/> has: its
    /// group (and its owner, where this process may give one: as root), its permission bits and
    /// its POSIX ACL. Called before any data is written, so the new file is never readable by more
    /// than the old one. When the group cannot be given (this user is not in it), the group's bits
    /// are dropped rather than handed to another group. Nothing happens when <paramref name="from"/>
    /// is not there.
    /// </summary>
    public static void TakeAccessOf(FileStream file, string from, string? identity)
    {
        if (!OnUnix)
        {
            return;
        }

        // lstat, not stat: the file checked, never what a link planted since leads to.
        if (EnsureUnchanged(from, identity) is not { } found)
        {
            return;
        }

        var mode = found.Mode & 0x1FF;
        var owner = found.Owner;
        var group = found.Group;
        var handle = file.SafeFileHandle;
        var asRoot = NativeMethods.GetEUid() == 0;
        if (owner != NativeMethods.GetEUid() || group != NativeMethods.GetEGid())
        {
            var given = WithDescriptor(handle, fd => NativeMethods.FChown(fd, asRoot ? owner : uint.MaxValue, group));
            if (given != 0)
            {
                // Not a member of the file's group: its bits must not go to this user's own group.
                mode &= ~0x38;
            }
        }

        if (NativeMethods.FChMod(handle, mode) != 0)
        {
            throw Failure(Marshal.GetLastWin32Error(), from);
        }

        if (OnLinux)
        {
            CopyAccessAcl(handle, from);
        }

        // Still the file checked: the ACL, read by name, came from it.
        EnsureUnchanged(from, identity);
    }

    /// <summary>
    /// Removes <paramref name="path"/> when it is a regular file of this user that no process has
    /// locked: the temporary file of an export that was killed (SIGKILL, out of memory) before it
    /// could clean up. A file of another user, a link, or a file still being written is left.
    /// </summary>
    public static void RemoveIfAbandoned(string path)
    {
        if (!OnUnix)
        {
            // An open temporary file cannot be deleted on Windows (FileShare.None).
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            return;
        }

        try
        {
            var status = LinkStatus(path);
            if (status is not { IsLink: false, IsDirectory: false } found || found.Owner != NativeMethods.GetEUid())
            {
                return;
            }

            // Any access will do for the lock: read, or else write (the file has its target's mode).
            var descriptor = NativeMethods.Open(Utf8(path), NativeMethods.OpenNoFollow | NativeMethods.OpenCloseOnExec, 0);
            if (descriptor == new IntPtr(-1))
            {
                descriptor = NativeMethods.Open(Utf8(path), NativeMethods.OpenWriteOnly | NativeMethods.OpenNoFollow | NativeMethods.OpenCloseOnExec, 0);
            }

            if (descriptor == new IntPtr(-1))
            {
                return;
            }

            using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
            if (NativeMethods.FLock(handle, NativeMethods.LockExclusive | NativeMethods.LockNonBlocking) == 0)
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next export; the export itself goes on.
        }
    }

    private static void CopyAccessAcl(SafeFileHandle handle, string from)
    {
        var acl = new byte[8192];
        var length = NativeMethods.LGetXattr(Utf8(from), Utf8(AccessAclAttribute), acl, new UIntPtr((uint)acl.Length)).ToInt64();
        if (length < 0)
        {
            var errno = Marshal.GetLastWin32Error();
            if (errno is Errno.NoData or Errno.NotSupported)
            {
                // No ACL beyond the mode bits, or a file system without ACLs.
                return;
            }

            throw Failure(errno, from);
        }

        var copy = new byte[length];
        Array.Copy(acl, copy, copy.Length);
        if (WithDescriptor(handle, fd => NativeMethods.FSetXattr(fd, Utf8(AccessAclAttribute), copy, new UIntPtr((uint)copy.Length), 0)) != 0)
        {
            throw Failure(Marshal.GetLastWin32Error(), from);
        }
    }

    private static int WithDescriptor(SafeFileHandle handle, Func<int, int> call)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return call(handle.DangerousGetHandle().ToInt32());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static string Unescape(string field)
    {
        if (field.IndexOf('\\') < 0)
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        var raw = Encoding.UTF8.GetBytes(field);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && i + 3 < raw.Length)
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static byte[] Utf8(string path) => Encoding.UTF8.GetBytes(path + "\0");

    /// <summary>The system's failure as .NET reports its own: access refused is UnauthorizedAccessException, the rest IOException, in the system's words.</summary>
    private static Exception Failure(int errno, string path)
    {
        var words = new Win32Exception(errno).Message;
        return errno is Errno.AccessDenied or Errno.NotPermitted
            ? new UnauthorizedAccessException(words + ": '" + path + "'")
            : new IOException(words + ": '" + path + "'", errno);
    }

    /// <summary>The errno values asked for by name (Linux's; macOS has the same for these but ENODATA and ENOTSUP, which only the Linux ACL code reads).</summary>
    private static class Errno
    {
        public const int NotPermitted = 1;
        public const int NoEntry = 2;
        public const int AccessDenied = 13;
        public const int NoData = 61;
        public const int NotSupported = 95;
    }

    private static class NativeMethods
    {
        public const int TypeMask = 0xF000;
        public const int Directory = 0x4000;
        public const int RegularFile = 0x8000;
        public const int Link = 0xA000;

        // .NET's own portable open(2) flags (SystemNative_Open translates them for the platform).
        public const int OpenWriteOnly = 0x1;
        public const int OpenReadWrite = 0x2;
        public const int OpenCloseOnExec = 0x10;
        public const int OpenCreate = 0x20;
        public const int OpenExclusive = 0x40;
        public const int OpenNoFollow = 0x200;

        // Its flock(2) operations.
        public const int LockExclusive = 2;
        public const int LockNonBlocking = 4;

        private const string SystemNative = "libSystem.Native";

        /// <summary>stat(2) through .NET's own native library; <paramref name="utf8Path"/> ends with a NUL.</summary>
        [DllImport(SystemNative, EntryPoint = "SystemNative_Stat", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Stat(byte[] utf8Path, [Out] byte[] status);

        [DllImport(SystemNative, EntryPoint = "SystemNative_LStat", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int LStat(byte[] utf8Path, [Out] byte[] status);

        [DllImport(SystemNative, EntryPoint = "SystemNative_Open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern IntPtr Open(byte[] utf8Path, int flags, int mode);

        [DllImport(SystemNative, EntryPoint = "SystemNative_FChMod", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FChMod(SafeFileHandle file, int mode);

        [DllImport(SystemNative, EntryPoint = "SystemNative_FLock", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FLock(SafeFileHandle file, int operation);

        [DllImport(SystemNative, EntryPoint = "SystemNative_ReadLink", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int ReadLink(byte[] utf8Path, [Out] byte[] buffer, int bufferSize);

        [DllImport(SystemNative, EntryPoint = "SystemNative_RealPath", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern IntPtr RealPath(byte[] utf8Path);

        [DllImport(SystemNative, EntryPoint = "SystemNative_Free")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern void Free(IntPtr pointer);

        [DllImport(SystemNative, EntryPoint = "SystemNative_GetEUid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern uint GetEUid();

        [DllImport(SystemNative, EntryPoint = "SystemNative_GetEGid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern uint GetEGid();

        // The C library's own, for what .NET's native library lacks: fchown(2) and the ACL attribute.
        [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FChown(int descriptor, uint owner, uint group);

        [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern IntPtr LGetXattr(byte[] utf8Path, byte[] utf8Name, [Out] byte[] value, UIntPtr size);

        [DllImport("libc", EntryPoint = "fsetxattr", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FSetXattr(int descriptor, byte[] utf8Name, byte[] value, UIntPtr size, int flags);
    }
}
