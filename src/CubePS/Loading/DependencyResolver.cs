using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace CubePS.Loading;

/// <summary>
/// Hands the runtime the module's own copies of its dependencies (System.Text.Json and its
/// netstandard2.0 closure) from the dependency folder when CubePS asks for them and the runtime
/// has none that fits: on Windows PowerShell 5.1, where modules have no binding redirects, and on
/// PowerShell 7 for any dependency that PowerShell does not carry itself.
/// </summary>
/// <remarks>
/// This code runs while the runtime is looking for an assembly, so it must not need one of the
/// assemblies it resolves: it uses base-library types only, and the assembly it lives in
/// (CubePS.dll) references nothing but netstandard, System.Management.Automation and
/// CubePS.Client (a metadata test checks that). The decision itself is <see cref="ResolvePolicy"/>.
/// </remarks>
internal static class DependencyResolver
{
    private static readonly object Gate = new();
    private static readonly string[] OwnAssemblies = { "CubePS", "CubePS.Client" };
    private static int _installed;
    private static List<AssemblyName>? _shipped;

    [ThreadStatic]
    private static bool _resolving;

    /// <summary>The folder beside CubePS.dll that holds the dependencies (set by the build, see Directory.Build.props).</summary>
    public static string FolderName
    {
        get
        {
            foreach (AssemblyMetadataAttribute metadata in typeof(DependencyResolver).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), false))
            {
                if (metadata.Key == "CubePS.DependencyFolder" && !string.IsNullOrEmpty(metadata.Value))
                {
                    return metadata.Value!;
                }
            }

            throw new InvalidOperationException("CubePS.dll was built without its dependency folder name.");
        }
    }

    /// <summary>Installs the resolver; every import counts, so that it stays until the last removal.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed++ == 0)
            {
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
            }
        }
    }

    public static void Uninstall()
    {
        lock (Gate)
        {
            if (_installed > 0 && --_installed == 0)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
            }
        }
    }

    private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
    {
        if (_resolving)
        {
            // A load started by this handler asked for something else; let the runtime decide.
            return null;
        }

        _resolving = true;
        try
        {
            var loaded = new List<AssemblyName>();
            var loadedAssemblies = AppDomain.CurrentDomain.GetAssemblies();
            foreach (var assembly in loadedAssemblies)
            {
                loaded.Add(assembly.GetName());
            }

            var action = ResolvePolicy.Decide(new AssemblyName(args.Name), args.RequestingAssembly?.GetName(), OwnAssemblies, Shipped(), loaded, out var answer);
            switch (action)
            {
                case ResolveAction.UseLoaded:
                    foreach (var assembly in loadedAssemblies)
                    {
                        if (string.Equals(assembly.FullName, answer!.FullName, StringComparison.OrdinalIgnoreCase))
                        {
                            return assembly;
                        }
                    }

                    return null;
                case ResolveAction.LoadShipped:
                    return Assembly.LoadFrom(Path.Combine(Folder(), answer!.Name + ".dll"));
                default:
                    return null;
            }
        }
        finally
        {
            _resolving = false;
        }
    }

    private static string Folder() =>
        Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ".", FolderName);

    /// <summary>The names of the shipped dependencies, read once from the folder.</summary>
    private static List<AssemblyName> Shipped()
    {
        lock (Gate)
        {
            if (_shipped is null)
            {
                var shipped = new List<AssemblyName>();
                var folder = Folder();
                if (Directory.Exists(folder))
                {
                    foreach (var path in Directory.GetFiles(folder, "*.dll"))
                    {
                        shipped.Add(AssemblyName.GetAssemblyName(path));
                    }
                }

                _shipped = shipped;
            }

            return _shipped;
        }
    }
}
