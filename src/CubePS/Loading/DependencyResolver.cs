using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CubePS.Loading;

/// <summary>
/// Answers .NET Framework's requests for the module's dependencies from the module's
/// 'dependencies' folder. Binding redirects do not exist for a PowerShell module, so System.Memory
/// asking for one version of System.Runtime.CompilerServices.Unsafe while the folder holds a
/// newer one would otherwise fail; this hands over the folder's copy when it is the same assembly
/// (name and public key) at the requested version or newer.
/// </summary>
internal static class DependencyResolver
{
    public const string FolderName = "dependencies";

    private static readonly string Folder = Path.Combine(
        Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ".",
        FolderName);

    public static bool IsNeeded =>
        RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    public static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var requested = new AssemblyName(args.Name);
        var path = Path.Combine(Folder, requested.Name + ".dll");
        if (!File.Exists(path))
        {
            return null;
        }

        return IsSatisfiedBy(requested, AssemblyName.GetAssemblyName(path)) ? Assembly.LoadFrom(path) : null;
    }

    /// <summary>True when <paramref name="available"/> may stand in for <paramref name="requested"/>.</summary>
    internal static bool IsSatisfiedBy(AssemblyName requested, AssemblyName available)
    {
        if (!string.Equals(requested.Name, available.Name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var requestedKey = requested.GetPublicKeyToken();
        if (requestedKey is { Length: > 0 })
        {
            var availableKey = available.GetPublicKeyToken();
            if (availableKey is null || !((ReadOnlySpan<byte>)requestedKey).SequenceEqual(availableKey))
            {
                return false;
            }
        }

        return requested.Version is null || (available.Version is not null && available.Version >= requested.Version);
    }
}
