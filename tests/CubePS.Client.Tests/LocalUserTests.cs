using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using CubePS.Export;
using CubePS.Storage;

namespace CubePS.Client.Tests;

/// <summary>
/// What another user of the machine can do to the files CubePS writes: the export, its temporary
/// file and the spill file. Run as root (CI does), which creates the second users these tests act
/// as; they fail, never skip, elsewhere.
/// </summary>
[UnsupportedOSPlatform("windows")]
public class LocalUserTests
{
    private const string Other = "cubeps-other";
    private const string Loader = "cubeps-loader";
    private const string Finance = "cubeps-finance";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void A_new_export_and_its_temporary_file_are_owner_only_and_another_user_cannot_open_them()
    {
        RequireRoot();
        var folder = OpenFolder("cubeps-new-target");
        try
        {
            var path = Path.Combine(folder, "nightly.csv");
            using (var target = new ExportTarget(path, noClobber: false))
            {
                target.EnsureReplaceable();
                target.Write(stream =>
                {
                    // Before any record, and with a record in it: owner-only, and closed to the other user.
                    Assert.Equal(OwnerOnly, File.GetUnixFileMode(target.TemporaryPath));
                    stream.Write("customer_id,name\n1,Kari\n"u8);
                    stream.Flush();
                    Assert.NotEqual(0, RunAs(Other, "cat", target.TemporaryPath).ExitCode);
                    return true;
                });
                target.Commit();
            }

            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
            Assert.NotEqual(0, RunAs(Other, "cat", path).ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_spill_file_is_owner_only()
    {
        RequireRoot();
        var folder = OpenFolder("cubeps-spill-mode");
        try
        {
            using var file = (FileStream)SpillFile.Open(folder);
            file.Write(new byte[4096]);
            file.Flush();
            var descriptor = file.SafeFileHandle.DangerousGetHandle().ToInt32();
            Assert.Equal(OwnerOnly, File.GetUnixFileMode("/proc/self/fd/" + descriptor));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Replacing_keeps_the_owner_the_group_the_mode_and_the_ACL_set_before_any_record()
    {
        RequireRoot();
        var folder = OpenFolder("cubeps-keep-access");
        try
        {
            var path = Path.Combine(folder, "finance.csv");
            File.WriteAllText(path, "older export");
            Run("chown", Other + ":" + Finance, path);
            Run("chmod", "0640", path);
            var acl = AclWithReader(Uid(Loader));
            Assert.Equal(0, SetXattr(path, "system.posix_acl_access", acl, (nuint)acl.Length, 0));
            var before = Describe(path);

            using (var target = new ExportTarget(path, noClobber: false))
            {
                target.Write(stream =>
                {
                    Assert.Equal(before, Describe(target.TemporaryPath));
                    stream.Write("new export"u8);
                    return true;
                });
                target.Commit();
            }

            Assert.Equal("new export", File.ReadAllText(path));
            Assert.Equal(before, Describe(path));
            Assert.Equal(acl, GetAcl(path));

            // The loader the ACL names still reads it; a user outside the group still does not.
            Assert.Equal(0, RunAs(Loader, "cat", path).ExitCode);
            var outsider = RunAs("nobody", "cat", path);
            Assert.NotEqual(0, outsider.ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("a dangling link to his own folder")]
    [InlineData("an empty file anyone may write")]
    [InlineData("a named pipe he reads")]
    [InlineData("a link to a named pipe he reads")]
    public void In_a_shared_sticky_folder_what_another_user_planted_is_refused_before_anything(string planted)
    {
        RequireRoot();
        var shared = OpenFolder("cubeps-sticky");
        var his = OpenFolder("cubeps-his");
        try
        {
            Run("chmod", "1777", shared);
            Run("chown", Other, his);
            var path = Path.Combine(shared, "export.csv");
            if (planted.StartsWith("a dangling link", StringComparison.Ordinal))
            {
                Assert.Equal(0, RunAs(Other, "ln", "-s", Path.Combine(his, "caught.csv"), path).ExitCode);
            }
            else if (planted == "a named pipe he reads")
            {
                Assert.Equal(0, RunAs(Other, "mkfifo", "-m", "0666", path).ExitCode);
            }
            else if (planted == "a link to a named pipe he reads")
            {
                Assert.Equal(0, RunAs(Other, "mkfifo", "-m", "0666", Path.Combine(his, "feed")).ExitCode);
                Assert.Equal(0, RunAs(Other, "ln", "-s", Path.Combine(his, "feed"), path).ExitCode);
            }
            else
            {
                Assert.Equal(0, RunAs(Other, "touch", path).ExitCode);
                Assert.Equal(0, RunAs(Other, "chmod", "0666", path).ExitCode);
            }

            var error = Assert.Throws<CubeException>(() => new ExportTarget(path, noClobber: false).Dispose());
            Assert.Equal(CubeErrorIds.ExportFailed, error.ErrorId);
            Assert.Equal(CubeErrorCategory.PermissionDenied, error.Category);
            Assert.Contains("another user in the shared folder " + shared, error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(his, "caught.csv")));

            // His own link in his own sticky folder, or this user's own file, is another matter.
            File.Delete(path);
            File.WriteAllText(path, "mine");
            using (var target = new ExportTarget(path, noClobber: false))
            {
                Assert.Equal(path, target.FinalPath);
            }
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
            Directory.Delete(his, recursive: true);
        }
    }

    [Theory]
    [InlineData("an empty file anyone may write", false)]
    [InlineData("a link to his own folder", false)]
    [InlineData("an empty file anyone may write", true)]
    [InlineData("a link to his own folder", true)]
    public void What_another_user_plants_after_the_check_is_neither_replaced_nor_followed_nor_copied(string planted, bool whileWriting)
    {
        // Review of issue 19, finding 1: the target was checked once, at the start; a file or link
        // planted later gave the export its owner and mode (r19u:r19u 0666) or its place.
        RequireRoot();
        var shared = OpenFolder("cubeps-sticky");
        var his = OpenFolder("cubeps-his");
        try
        {
            Run("chmod", "1777", shared);
            Run("chown", Other, his);
            var path = Path.Combine(shared, "export.csv");
            var caught = Path.Combine(his, "caught.csv");
            void Plant()
            {
                if (planted.StartsWith("a link", StringComparison.Ordinal))
                {
                    Assert.Equal(0, RunAs(Other, "touch", caught).ExitCode);
                    Assert.Equal(0, RunAs(Other, "chmod", "0666", caught).ExitCode);
                    Assert.Equal(0, RunAs(Other, "ln", "-s", caught, path).ExitCode);
                }
                else
                {
                    Assert.Equal(0, RunAs(Other, "touch", path).ExitCode);
                    Assert.Equal(0, RunAs(Other, "chmod", "0666", path).ExitCode);
                }
            }

            string temporary;
            using (var target = new ExportTarget(path, noClobber: false))
            {
                temporary = target.TemporaryPath;
                target.EnsureReplaceable();
                if (!whileWriting)
                {
                    // Between the check and the first record (a slow first page).
                    Plant();
                }

                var error = Assert.Throws<CubeException>(() =>
                {
                    target.Write(stream =>
                    {
                        Assert.Equal(OwnerOnly, File.GetUnixFileMode(target.TemporaryPath));
                        if (whileWriting)
                        {
                            Plant();
                        }

                        stream.Write(System.Text.Encoding.UTF8.GetBytes("1,Kari,+4791234567\n"));
                        return true;
                    });
                    target.Commit();
                });
                Assert.Equal(CubeErrorIds.ExportFailed, error.ErrorId);
                Assert.Contains("after the target was checked", error.Message, StringComparison.Ordinal);
            }

            Assert.False(File.Exists(temporary));
            var planted_ = planted.StartsWith("a link", StringComparison.Ordinal) ? caught : path;
            Assert.Equal(0, new FileInfo(planted_).Length);
            Assert.StartsWith(Other + ":", Describe(planted_), StringComparison.Ordinal);
            Assert.EndsWith(" 666", Describe(planted_), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
            Directory.Delete(his, recursive: true);
        }
    }

    [Fact]
    public void The_temporary_file_is_created_once_so_a_watcher_cannot_take_its_name()
    {
        // Review of issue 19, finding 2: the check created the temporary name, deleted it and
        // created it again later; another user who saw the deletion took the name, and the export
        // failed with "File exists".
        RequireRoot();
        var shared = OpenFolder("cubeps-sticky");
        try
        {
            Run("chmod", "1777", shared);
            var path = Path.Combine(shared, "export.csv");
            using (var target = new ExportTarget(path, noClobber: false))
            {
                target.EnsureReplaceable();

                // What the watcher does when the name is free (inotify: deleted).
                RunAs(Other, "sh", "-c", "[ -e \"$0\" ] || : > \"$0\"", target.TemporaryPath);
                target.Write(stream =>
                {
                    stream.Write(System.Text.Encoding.UTF8.GetBytes("1,Kari\n"));
                    return true;
                });
                target.Commit();
            }

            Assert.Equal("1,Kari\n", File.ReadAllText(path));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public void A_temporary_file_left_by_a_killed_export_of_the_same_target_is_removed_by_the_next()
    {
        RequireRoot();
        var folder = OpenFolder("cubeps-leftover");
        try
        {
            var path = Path.Combine(folder, "nightly.csv");
            var other = Path.Combine(folder, "other.csv");
            string left;
            using (var killed = new ExportTarget(path, noClobber: false))
            {
                left = killed.TemporaryPath;
            }

            // What SIGKILL leaves: the file, no process, no lock.
            File.WriteAllText(left, "1,Kari,+4791234567\n");
            string othersLeft;
            using (var unrelated = new ExportTarget(other, noClobber: false))
            {
                othersLeft = unrelated.TemporaryPath;
            }

            File.WriteAllText(othersLeft, "another target's");
            using (var running = new ExportTarget(path, noClobber: false))
            using (var next = new ExportTarget(path, noClobber: false))
            {
                // An export of the same target still writing (its file is locked) keeps its file.
                running.Write(stream =>
                {
                    next.EnsureReplaceable();
                    Assert.True(File.Exists(running.TemporaryPath));
                    return true;
                });
            }

            Assert.False(File.Exists(left));
            Assert.True(File.Exists(othersLeft));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void RequireRoot() =>
        Assert.True(Environment.UserName == "root", "These tests act as a second local user, which only root can create: run them as root (CI does).");

    /// <summary>A new folder others may enter, with the users and group the tests act as.</summary>
    private static string OpenFolder(string prefix)
    {
        foreach (var user in new[] { Other, Loader })
        {
            if (Run("id", "-u", user).ExitCode != 0)
            {
                Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
            }
        }

        if (Run("getent", "group", Finance).ExitCode != 0)
        {
            Run("groupadd", "--system", Finance);
        }

        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0x1ED /* 0755 */);

        // The temporary folder above it must let the other users reach it.
        for (var up = Path.GetDirectoryName(folder); up is not null && up != "/"; up = Path.GetDirectoryName(up))
        {
            File.SetUnixFileMode(up, File.GetUnixFileMode(up) | UnixFileMode.OtherExecute);
        }

        return folder;
    }

    private static string Describe(string path) => Run("stat", "-c", "%U:%G %a", path).Output.Trim();

    private static uint Uid(string user) => uint.Parse(Run("id", "-u", user).Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An access ACL as Linux stores it (what `setfacl -m u:loader:r` makes of a 0640 file).</summary>
    private static byte[] AclWithReader(uint reader)
    {
        var entries = new (ushort Tag, ushort Perm, uint Id)[]
        {
            (0x01, 6, uint.MaxValue), // the owner: rw
            (0x02, 4, reader), // the named user: r
            (0x04, 4, uint.MaxValue), // the group: r
            (0x10, 4, uint.MaxValue), // the mask: r
            (0x20, 0, uint.MaxValue), // others: nothing
        };
        var bytes = new List<byte>(BitConverter.GetBytes(2u));
        foreach (var (tag, perm, id) in entries)
        {
            bytes.AddRange(BitConverter.GetBytes(tag));
            bytes.AddRange(BitConverter.GetBytes(perm));
            bytes.AddRange(BitConverter.GetBytes(id));
        }

        return bytes.ToArray();
    }

    private static byte[] GetAcl(string path)
    {
        var buffer = new byte[1024];
        var length = (long)GetXattr(path, "system.posix_acl_access", buffer, (nuint)buffer.Length);
        Assert.True(length > 0, "the file has no ACL");
        return buffer[..(int)length];
    }

    private static (int ExitCode, string Output) RunAs(string user, params string[] command) =>
        Run("setpriv", new[] { "--reuid=" + user, "--regid=" + Run("id", "-g", user).Output.Trim(), "--clear-groups", "--" }.Concat(command).ToArray());

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [DllImport("libc", EntryPoint = "setxattr", SetLastError = true)]
    private static extern int SetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", EntryPoint = "getxattr", SetLastError = true)]
    private static extern nint GetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size);
}
