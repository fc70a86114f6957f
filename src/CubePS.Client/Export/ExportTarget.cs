using System;
using System.Globalization;
using System.IO;
using CubePS.Errors;

namespace CubePS.Export;

/// <summary>
/// The file an export ends in, written whole or not at all: the records go to a temporary file
/// beside it, which replaces it only once every record is written. On any failure, Ctrl+C or a
/// full disk the temporary file is removed and an older export stays as it was.
/// </summary>
internal sealed class ExportTarget : IDisposable
{
    private readonly bool _noClobber;
    private bool _committed;

    public ExportTarget(string path, bool noClobber)
    {
        Path = path;
        _noClobber = noClobber;
        var folder = System.IO.Path.GetDirectoryName(path) ?? ".";
        TemporaryPath = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".cubeps-tmp");
    }

    public string Path { get; }

    public string TemporaryPath { get; }

    /// <summary>The temporary file, new and empty.</summary>
    public Stream Create() =>
        Guard(() => new FileStream(TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));

    /// <summary>Puts the written file in the target's place (atomically where the file system can).</summary>
    public void Commit()
    {
        Guard(() =>
        {
            if (_noClobber || !File.Exists(Path))
            {
                File.Move(TemporaryPath, Path);
            }
            else
            {
                File.Replace(TemporaryPath, Path, destinationBackupFileName: null);
            }

            return true;
        });
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed)
        {
            try
            {
                File.Delete(TemporaryPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing more can be done; the error that stopped the export is the one to report.
            }
        }
    }

    /// <summary>A failure of the file system while writing the export becomes CubeExportFailed, naming the file.</summary>
    public T Guard<T>(Func<T> operation)
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
                    : string.Format(CultureInfo.InvariantCulture, "Could not write {0}: {1} The file is as it was before the export.", Path, e.Message),
                Path,
                e);
        }
    }
}
