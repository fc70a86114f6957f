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
/// it points to gets the new content) and the file's permissions stay as they were. A device or a
/// pipe (/dev/null, a named pipe) is written into, as Export-Csv does: it cannot be replaced.
/// </summary>
internal sealed class ExportTarget : IDisposable
{
    /// <summary>
    /// The temporary files being written in this process. A process ended by SIGTERM or SIGHUP
    /// (timeout, systemd, a container or CI job stopped, a closed SSH session) runs no finally
    /// block: these are removed then, so no partial export full of customer data is left beside the
    /// target. (SIGKILL leaves nothing to run; the next export does not reuse the name.)
    /// </summary>
    private static readonly ConcurrentDictionary<string, bool> TemporaryFilesOpen = new(StringComparer.Ordinal);

    static ExportTarget() => TerminationSignals.Register(RemoveTemporaryFilesLeft);

    private readonly bool _noClobber;
    private readonly bool _intoDevice;
    private bool _committed;

    public ExportTarget(string path, bool noClobber)
    {
        Path = path;
        _noClobber = noClobber;
        _intoDevice = UnixFiles.IsSpecial(path);
        FinalPath = _intoDevice ? path : FinalTargetOf(path);
        // A short name of its own: the target's name may already be as long as a name can be.
        TemporaryPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(FinalPath) ?? ".", "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".cubeps-tmp");
    }

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

        var stream = _intoDevice
            ? new FileStream(FinalPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16)
            : new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        T result;
        try
        {
            if (!_intoDevice)
            {
                // Before any record is in it, so the new file is never readable by more than the old one.
                UnixFiles.CopyPermissions(FinalPath, TemporaryPath);
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

        try
        {
            using (new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
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
    /// Where a symbolic link finally leads, so that replacing writes the linked file and the link
    /// stays. FileSystemInfo.ResolveLinkTarget exists from .NET 6; on .NET Framework (Windows
    /// PowerShell, where such links are rare) the path is taken as it is.
    /// </summary>
    private static string FinalTargetOf(string path)
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
