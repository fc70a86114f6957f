<#
.SYNOPSIS
    Publishes the module at -ModulePath with Publish-PSResource: to -Repository (a registered
    repository such as PSGallery) with the API key from CUBEPS_PUBLISH_API_KEY, or to the folder
    -OutputDirectory (registered only for this run; no key needed). build.ps1 runs it in a pwsh
    whose home folders point to a temporary directory, so the user's own PSResourceGet settings
    are never touched, and hands it the key in its environment: never on a command line.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory, ParameterSetName = 'Folder')][string] $OutputDirectory,
    [Parameter(Mandatory, ParameterSetName = 'Repository')][string] $Repository
)

$ErrorActionPreference = 'Stop'
# Read once and dropped from the environment, so nothing this process starts inherits it.
$apiKey = $env:CUBEPS_PUBLISH_API_KEY
Remove-Item Env:CUBEPS_PUBLISH_API_KEY -ErrorAction SilentlyContinue

if ($PSCmdlet.ParameterSetName -eq 'Repository') {
    if (-not $apiKey) { throw "No API key for $Repository (CUBEPS_PUBLISH_API_KEY is empty)." }
    Publish-PSResource -Path $ModulePath -Repository $Repository -ApiKey $apiKey
    return
}

$name = 'CubePSBuild'
Register-PSResourceRepository -Name $name -Uri $OutputDirectory -Trusted
try {
    if ($apiKey) { Publish-PSResource -Path $ModulePath -Repository $name -ApiKey $apiKey }
    else { Publish-PSResource -Path $ModulePath -Repository $name }
}
finally {
    Unregister-PSResourceRepository -Name $name
}
