<#
.SYNOPSIS
    Makes out/<module>.<version>.nupkg with Publish-PSResource, to a folder repository registered
    only for this run. build.ps1 runs it in a pwsh whose home folders point to a temporary
    directory, so the user's own PSResourceGet settings are never touched.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
$repository = 'CubePSBuild'
Register-PSResourceRepository -Name $repository -Uri $OutputDirectory -Trusted
try {
    Publish-PSResource -Path $ModulePath -Repository $repository
}
finally {
    Unregister-PSResourceRepository -Name $repository
}
