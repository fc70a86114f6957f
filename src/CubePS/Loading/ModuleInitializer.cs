using System.Management.Automation;
using CubePS.Sessions;

namespace CubePS.Loading;

/// <summary>
/// Runs when the module is imported into a runspace and when it is removed from one. Import
/// installs the dependency resolver (counted, so it stays until the last runspace removes the
/// module); removal closes only the removing runspace's own default connection.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyResolver.Install();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        ConnectionRegistry.CloseCurrent();
        DependencyResolver.Uninstall();
    }
}
