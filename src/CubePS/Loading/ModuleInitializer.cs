using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using CubePS.Sessions;

namespace CubePS.Loading;

/// <summary>
/// Runs when the module is imported and removed. On Windows PowerShell 5.1 it installs the
/// resolver that hands .NET Framework the module's own copies of System.Text.Json and its
/// dependencies; PowerShell 7 carries equal or newer copies of those and needs nothing.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        if (DependencyResolver.IsNeeded)
        {
            AppDomain.CurrentDomain.AssemblyResolve += DependencyResolver.Resolve;
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        AppDomain.CurrentDomain.AssemblyResolve -= DependencyResolver.Resolve;
        ConnectionRegistry.CloseAll();
    }
}
