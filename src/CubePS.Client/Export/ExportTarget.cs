using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Reflection;
using CubePS.Errors;

namespace CubePS.Export;

/// <summary>
/// The file an export ends in, written whole or not at all: the records go to a temporary file
/// beside it, which replaces it only once every record is written and flushed to disk. On any
/// failure, Ctrl+C or a full disk the temporary file is removed and an older export stays as it
/// was. Replacing keeps what Export-Csv's overwrite keeps: a symbolic link stays a link (the file
/// it points to gets the new content), and the file's owner (as root), group, mode and ACL, which
/// the temporary file gets before any record is in it; a new file is owner-only (0600). A device or
/// a pipe (/dev/null, a named pipe) is written into, as Export-Csv does: it cannot be replaced. A
/// file that is itself a mount point (a single file bind-mounted into a container) gets the
/// finished export copied into it in place, since rename(2) cannot replace it. In a shared sticky
/// folder (/tmp) a link or a file of another user is refused, as Linux's fs.protected_symlinks and
/// fs.protected_regular make Export-Csv refuse them; what the target is (device and inode) is
/// checked again when its access is taken and at the moment of replacing, so a file or link
/// planted after the first check is refused too.
/// </summary>
internal sealed class ExportTarget : IDisposable
{
    /// <summary>
    /// The temporary files being written in this process. A process ended by SIGTERM or SIGHUP
    /// (timeout, systemd, a container or CI job stopped, a closed SSH session) runs no finally
    /// block: these are removed then, so no partial export full of customer data is left beside the
    /// target. (SIGKILL leaves nothing to run: the next export of the same target removes what is
    /// left, recognised by its name, its owner and the lock no process holds any more.)
    /// </summary>
    private static readonly ConcurrentDictionary<string, bool> TemporaryFilesOpen = new(StringComparer.Ordinal);

    static ExportTarget() => TerminationSignals.Register(RemoveTemporaryFilesLeft);

    private readonly bool _noClobber;
    private readonly bool _intoDevice;
    private readonly bool _inPlace;

    // Which file the target was when it was checked (type, device, inode; null: none was there).
    // What the temporary file is given, and what it replaces, must still be that file.
    private readonly string? _identity;

    // The temporary file, created by EnsureReplaceable and kept open (and locked) until Write fills
    // it: created once, never deleted and created again, so a watcher who learns its name cannot
    // take the name in between and make the export fail.
    private FileStream? _reserved;
    private bool _committed;

    /// <summary>
    /// Finds the file the export ends in, and refuses at once, before anything is requested, what
    /// would only fail (or go wrong) after the download: a link loop, a name too long, a link or a
    /// file another user planted in a shared sticky folder.
    /// </summary>
    public ExportTarget(string path, bool noClobber)
    {
        Path = path;
        _noClobber = noClobber;
        _intoDevice = UnixFiles.IsSpecial(path);

        // The links are checked for a device or a pipe too (another user's named pipe in /tmp,
        // or a link to one, would receive the export), but such a target is written through the
        // path given: /dev/stdout leads to "pipe:[...]", which is no path.
        var (final, identity) = FinalTargetOf(path);
        FinalPath = _intoDevice ? path : final;
        _identity = identity;
        _inPlace = !_intoDevice && UnixFiles.IsMountPoint(FinalPath);
        // A short name of its own (the target's name may already be as long as a name can be) that
        // starts with a key of the target's name: the next export of the same target finds it.
        TemporaryPath = System.IO.Path.Combine(FolderOf(FinalPath), TemporaryPrefix(FinalPath) + Guid.NewGuid().ToString("N").Substring(0, 12) + TemporarySuffix);
    }

    private const string TemporarySuffix = ".cubeps-tmp";

    /// <summary>The path the user gave.</summary>
    public string Path { get; }

    /// <summary>The file whose content is replaced: <see cref="Path"/>, or where its symbolic links lead.</summary>
    public string FinalPath { get; }

    public string TemporaryPath { get; }

    /// <summary>True when the target is a device or a pipe, written into rather than replaced.</summary>
    public bool IsDevice => _intoDevice;

    /// <summary>The file the records go to first.</summary>
    public string WritingTo => _intoDevice ? FinalPath : TemporaryPath;

    /// <summary>
    /// Writes the temporary file: <paramref name="write"/> fills it, then it is flushed to disk.
    /// Every file system failure, the last flush's included (a full disk), is CubeExportFailed.
    /// </summary>
    public T Write<T>(Func<Stream, T> write) => Guard(() =>
    {
        if (!_intoDevice)
        {
            TemporaryFilesOpen[TemporaryPath] = true;
        }

        // Owner-only from the first system call; then, before any record is in it, the old file's
        // owner, group, mode and ACL, so the new file is never readable by more than the old one.
        var stream = _intoDevice
            ? new FileStream(FinalPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16)
            : _reserved ?? UnixFiles.CreateOwnerOnly(TemporaryPath, FileAccess.Write, 1 << 16);
        _reserved = null;
        T result;
        try
        {
            if (!_intoDevice)
            {
                UnixFiles.TakeAccessOf(stream, FinalPath, _identity);
            }

            result = write(stream);

            // A device or pipe has no disk to flush to.
            stream.Flush(flushToDisk: !_intoDevice);
        }
        catch
        {
            try
            {
                stream.Dispose();
            }
            catch (IOException)
            {
                // The buffer could not be flushed either; the first failure is the one to report.
            }

            throw;
        }

        stream.Dispose();
        return result;
    });

    /// <summary>
    /// Checks, before any record is requested, that the export can end in the target: a read-only
    /// file is not replaced (Export-Csv does not replace one without -Force, and a read-only flag
    /// is how an older export is protected), and the folder must let the temporary file be created
    /// in it. A device or a pipe is written into, so neither applies.
    /// </summary>
    public void EnsureReplaceable()
    {
        if (_intoDevice)
        {
            return;
        }

        if (new FileInfo(FinalPath) is { Exists: true, IsReadOnly: true })
        {
            throw new CubeException(
                CubeErrorIds.ExportFailed,
                CubeErrorCategory.PermissionDenied,
                string.Format(CultureInfo.InvariantCulture, "{0} is read-only, so it is not replaced; nothing was requested.", Path),
                Path)
            {
                RecommendedAction = "Make the file writable (Set-ItemProperty -Name IsReadOnly -Value $false, or chmod u+w), or export to another path.",
            };
        }

        RemoveAbandonedTemporaryFiles();
        try
        {
            TemporaryFilesOpen[TemporaryPath] = true;
            _reserved ??= UnixFiles.CreateOwnerOnly(TemporaryPath, FileAccess.Write, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CubeException(
                CubeErrorIds.ExportFailed,
                e is UnauthorizedAccessException ? CubeErrorCategory.PermissionDenied : CubeErrorCategory.WriteError,
                string.Format(CultureInfo.InvariantCulture, "Cannot create a file in the folder {0}, where the export is written before it replaces {1}: {2} Nothing was requested.", System.IO.Path.GetDirectoryName(TemporaryPath), Path, e.Message),
                Path,
                e)
            {
                RecommendedAction = "Export to a folder you can write to.",
            };
        }
    }

    /// <summary>Puts the written file in the target's place (atomically where the file system can).</summary>
    public void Commit()
    {
        if (_intoDevice)
        {
            _committed = true;
            return;
        }

        Guard(() =>
        {
            if (_inPlace)
            {
                CopyInPlace();
                return true;
            }

            // rename(2) replaces a link, never follows it; but a file or link planted since the
            // check (another user's, in a shared folder) is not replaced: refused, as it would
            // have been before the export began.
            UnixFiles.EnsureUnchanged(FinalPath, _identity);
            if (_noClobber || !File.Exists(FinalPath))
            {
                File.Move(TemporaryPath, FinalPath);
            }
            else
            {
                File.Replace(TemporaryPath, FinalPath, destinationBackupFileName: null);
            }

            return true;
        });
        _committed = true;
        TemporaryFilesOpen.TryRemove(TemporaryPath, out _);
    }

    public void Dispose()
    {
        _reserved?.Dispose();
        _reserved = null;
        if (!_committed && !_intoDevice)
        {
            DeleteQuietly(TemporaryPath);
            TemporaryFilesOpen.TryRemove(TemporaryPath, out _);
        }
    }

    private static void RemoveTemporaryFilesLeft()
    {
        foreach (var path in TemporaryFilesOpen.Keys)
        {
            DeleteQuietly(path);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done; the error that stopped the export is the one to report.
        }
    }

    /// <summary>A failure of the file system while writing the export becomes CubeExportFailed, naming the file.</summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var exists = e is IOException && _noClobber && File.Exists(Path);
            throw new CubeException(
                exists ? CubeErrorIds.FileExists : CubeErrorIds.ExportFailed,
                exists ? CubeErrorCategory.ResourceExists : CubeErrorCategory.WriteError,
                exists
                    ? string.Format(CultureInfo.InvariantCulture, "{0} already exists, and -NoClobber says not to replace it.", Path)
                    : _intoDevice
                        ? string.Format(CultureInfo.InvariantCulture, "Could not write into {0}: {1}", Path, e.Message)
                        : string.Format(CultureInfo.InvariantCulture, "Could not write {0}: {1} The file is as it was before the export.", Path, e.Message),
                Path,
                e);
        }
    }


    /// <summary>
    /// Copies the finished export into a target that cannot be replaced (a mount point), in place
    /// as Export-Csv writes it, then removes the temporary file. The old content stays until the
    /// whole export is ready; only this copy could be cut short.
    /// </summary>
    private void CopyInPlace()
    {
        using (var source = new FileStream(TemporaryPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        using (var target = new FileStream(FinalPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16))
        {
            source.CopyTo(target);
            target.SetLength(source.Length);
            target.Flush(flushToDisk: true);
        }

        File.Delete(TemporaryPath);
    }

    /// <summary>
    /// Removes the temporary files an earlier export of the same target left when it was killed
    /// (SIGKILL, out of memory): this user's, named for this target, and locked by no process.
    /// </summary>
    private void RemoveAbandonedTemporaryFiles()
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(FolderOf(FinalPath), TemporaryPrefix(FinalPath) + "*" + TemporarySuffix))
            {
                UnixFiles.RemoveIfAbandoned(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be listed: the check that follows reports what matters.
        }
    }

    private static string FolderOf(string path) => System.IO.Path.GetDirectoryName(path) ?? ".";

    /// <summary>"." and a key of the target's file name (FNV-1a of its UTF-8 bytes), so temporary files of one target are found by name.</summary>
    private static string TemporaryPrefix(string finalPath)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(System.IO.Path.GetFileName(finalPath)))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return "." + hash.ToString("x8", CultureInfo.InvariantCulture) + "-";
    }

    /// <summary>
    /// Where the path finally leads, its symbolic links followed one by one, so that replacing
    /// writes the linked file and the link stays. On the way it refuses, before anything is
    /// requested, what opening the path would refuse only after the download: a link loop (Linux
    /// follows at most 40 links), a name too long, a folder that cannot be searched; and what
    /// Linux's fs.protected_symlinks and fs.protected_regular refuse Export-Csv in a shared sticky
    /// folder (world-writable, like /tmp): a link there of a user who is neither this one nor the
    /// folder's owner, and a file there of such a user.
    /// </summary>
    private static (string Path, string? Identity) FinalTargetOf(string path)
    {
        if (!UnixFiles.OnUnix)
        {
            return (WindowsFinalTargetOf(path), null);
        }

        var me = UnixFiles.EffectiveUserId;
        var current = System.IO.Path.GetFullPath(path);
        for (var links = 0; ; links++)
        {
            UnixFiles.Status? status;
            UnixFiles.Status? folder;
            try
            {
                status = UnixFiles.LinkStatus(current);
                folder = status is null ? null : UnixFiles.LinkStatus(FolderOf(current), followLink: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Refused(path, e is UnauthorizedAccessException ? CubeErrorCategory.PermissionDenied : CubeErrorCategory.InvalidArgument, "Cannot export to {0}: {1} Nothing was requested.", e.Message, "Give a path that can be opened: a shorter file name, a folder you can reach.");
            }

            if (status is not { } found)
            {
                return (current, null);
            }

            var planted = folder is { IsSharedStickyFolder: true } shared && found.Owner != me && found.Owner != shared.Owner;
            if (!found.IsLink)
            {
                if (planted && !found.IsDirectory)
                {
                    throw Refused(path, CubeErrorCategory.PermissionDenied, "{0} is a file of another user in the shared folder {1}; it is not replaced, as Linux (fs.protected_regular) refuses it to Export-Csv. Nothing was requested.", FolderOf(current), "Export into a folder of your own, or have its owner remove the file.");
                }

                return (current, found.Identity);
            }

            if (planted)
            {
                throw Refused(path, CubeErrorCategory.PermissionDenied, "{0} leads through a symbolic link of another user in the shared folder {1}; it is not followed, as Linux (fs.protected_symlinks) refuses it to Export-Csv. Nothing was requested.", FolderOf(current), "Export into a folder of your own, or have the link's owner remove it.");
            }

            if (links == MaximumLinks)
            {
                throw Refused(path, CubeErrorCategory.InvalidArgument, "Cannot export to {0}: Too many levels of symbolic links (a loop, or more than {1} links). Nothing was requested.", MaximumLinks.ToString(CultureInfo.InvariantCulture), "Point the link at a file, not at itself or at a link that leads back.");
            }

            string next;
            try
            {
                next = UnixFiles.ReadLink(current);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Refused(path, CubeErrorCategory.InvalidArgument, "Cannot export to {0}: {1} Nothing was requested.", e.Message, "Give a path that can be opened.");
            }

            current = System.IO.Path.GetFullPath(System.IO.Path.Combine(FolderOf(current), next));
        }
    }

    // Linux's MAXSYMLINKS: the kernel says ELOOP past it.
    private const int MaximumLinks = 40;

    private static CubeException Refused(string path, CubeErrorCategory category, string format, string detail, string action) =>
        new(CubeErrorIds.ExportFailed, category, string.Format(CultureInfo.InvariantCulture, format, path, detail), path)
        {
            RecommendedAction = action,
        };

    /// <summary>
    /// Where a symbolic link finally leads on Windows. FileSystemInfo.ResolveLinkTarget exists from
    /// .NET 6; on .NET Framework (Windows PowerShell, where such links are rare) the path is taken
    /// as it is.
    /// </summary>
    private static string WindowsFinalTargetOf(string path)
    {
        if (ResolveLinkTarget is null)
        {
            return path;
        }

        try
        {
            // Null when the path is not a link (or does not exist yet).
            var target = ResolveLinkTarget.Invoke(new FileInfo(path), new object[] { true }) as FileSystemInfo;
            return target?.FullName ?? path;
        }
        catch (TargetInvocationException e) when (e.InnerException is IOException or UnauthorizedAccessException)
        {
            // A link loop or an unreadable link: writing to the path itself reports it properly.
            return path;
        }
    }

    private static readonly MethodInfo? ResolveLinkTarget =
        typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new[] { typeof(bool) });
}
