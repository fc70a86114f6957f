using System;
using System.IO;
using System.Runtime.InteropServices;

namespace CubePS.Storage;

/// <summary>The temporary file a chunk store spills to: gone when it is closed, and on Unix gone from the folder at once.</summary>
internal static class SpillFile
{
    public static Stream Open(string directory)
    {
        var path = Path.Combine(directory, "cubeps-" + Guid.NewGuid().ToString("N") + ".spool");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            // The open handle keeps the data; the name goes now, so nothing is left if the process dies.
            File.Delete(path);
        }

        return file;
    }
}
