using System;
using System.IO;
using System.Runtime.InteropServices;
using CubePS.Export;

namespace CubePS.Storage;

/// <summary>
/// The temporary file a chunk store spills to: owner-only (0600) from the first system call, so
/// another user watching the folder cannot open it; gone when it is closed, and on Unix gone from
/// the folder at once.
/// </summary>
internal static class SpillFile
{
    public static Stream Open(string directory)
    {
        var path = Path.Combine(directory, "cubeps-" + Guid.NewGuid().ToString("N") + ".spool");
        var file = UnixFiles.CreateOwnerOnly(path, FileAccess.ReadWrite, 1 << 16, FileOptions.DeleteOnClose);
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            // The open handle keeps the data; the name goes now, so nothing is left if the process dies.
            File.Delete(path);
        }

        return file;
    }
}
