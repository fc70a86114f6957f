# CubePS's root module. It checks the runtime before any of the module's netstandard2.0
# assemblies loads, so that an unsupported one gets one clear error instead of a loader failure,
# and then imports the cmdlets from CubePS.dll (the manifest's CmdletsToExport exports them).

function Get-CubeRuntimeProblem {
    <#
    .SYNOPSIS
        Why CubePS cannot run here, or $null when it can. Pure, so it is tested with any values.
    .PARAMETER FrameworkRelease
        Windows PowerShell: the Release value of HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full ($null when absent).
    #>
    param(
        [Parameter(Mandatory)][ValidateSet('Desktop', 'Core')][string] $Edition,
        [Parameter(Mandatory)][version] $PowerShellVersion,
        [Parameter(Mandatory)][version] $RuntimeVersion,
        [object] $FrameworkRelease
    )
    if ($Edition -eq 'Desktop') {
        # 461808 is .NET Framework 4.7.2, the first that loads netstandard2.0 assemblies without extra facades.
        if ($null -eq $FrameworkRelease -or [int]$FrameworkRelease -lt 461808) {
            $found = if ($null -eq $FrameworkRelease) { 'no .NET Framework 4.5 or later' } else { ".NET Framework release $FrameworkRelease (older than 4.7.2)" }
            return "CubePS needs .NET Framework 4.7.2 or later under Windows PowerShell 5.1; this machine has $found. Install .NET Framework 4.8 (https://dotnet.microsoft.com/download/dotnet-framework), or use PowerShell 7.4 or later."
        }
        return $null
    }
    if ($RuntimeVersion.Major -lt 8) {
        return "CubePS needs PowerShell 7.4 or later (on .NET 8 or later); this is PowerShell $PowerShellVersion on .NET $RuntimeVersion, whose System.Text.Json is too old. Install PowerShell 7.4 or later (https://aka.ms/powershell), or use Windows PowerShell 5.1."
    }
    return $null
}

function New-CubeImportError {
    <#
    .SYNOPSIS
        The error record that stops this import: a stable id and a real category, so a script can
        catch it by FullyQualifiedErrorId ('<id>,Microsoft.PowerShell.Commands.ImportModuleCommand').
        Made by Write-Error, not by creating a .NET exception or ErrorRecord here, which
        ConstrainedLanguage (AppLocker, WDAC) refuses ("Cannot create type") and which would
        replace the message. The ids are listed with the others in CubeErrorIds and README.
    #>
    param([string] $Message, [string] $ErrorId, [string] $Category, [object] $Target)
    Write-Error -Message $Message -ErrorId $ErrorId -Category $Category -TargetObject $Target -ErrorAction SilentlyContinue -ErrorVariable made
    return $made[0]
}

$release = $null
if ($PSEdition -eq 'Desktop') {
    $release = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name Release -ErrorAction SilentlyContinue |
        Select-Object -ExpandProperty Release
}
$problem = Get-CubeRuntimeProblem -Edition $PSEdition -PowerShellVersion $PSVersionTable.PSVersion -RuntimeVersion ([Environment]::Version) -FrameworkRelease $release
if ($problem) {
    # Thrown, not written: a non-terminating Write-Error would add Import-Module's misleading
    # "no valid module was found". A module that cannot load stops its import whatever -ErrorAction says.
    throw (New-CubeImportError $problem CubeUnsupportedRuntime NotInstalled $PSScriptRoot)
}

# No Join-Path and no Export-ModuleMember: each is a cold cmdlet call that costs an import about
# 10 ms, and the manifest's export lists already decide what the session sees.
#
# One CubePS.dll per process: .NET loads an assembly once and never unloads it. A second build
# imported beside the first either fails to load ("Assembly with same name is already loaded")
# or, with the same assembly version, is handed the first one's dll. Either way this import fails
# with one error that says so, and the version already in use stays as it was. (A bare failure of
# the nested import would not fail this module: the module would be listed, running the first.)
$inUse = "Another CubePS is already loaded in this process, and .NET cannot load a second one beside it: start a new PowerShell (or a job, Start-Job) to use the one in $PSScriptRoot."
try {
    $binary = Import-Module -Name "$PSScriptRoot/CubePS.dll" -ErrorAction Stop -PassThru
}
catch {
    throw (New-CubeImportError "CubePS could not load $PSScriptRoot/CubePS.dll: $($_.Exception.Message) $inUse" CubeModuleVersionConflict ResourceExists $PSScriptRoot)
}
# .NET hands an import of the same assembly identity the one already loaded. That is this build
# when the file here is byte for byte the one loaded (the same folder through a link, a copy of
# the same version); any other build is refused. The hash is taken only when the paths differ.
$loadedFrom = $binary.ImplementingAssembly.Location
if ((($loadedFrom -replace '\\', '/') -ne ("$PSScriptRoot/CubePS.dll" -replace '\\', '/')) -and
    (Get-FileHash -LiteralPath $loadedFrom).Hash -ne (Get-FileHash -LiteralPath "$PSScriptRoot/CubePS.dll").Hash) {
    throw (New-CubeImportError "CubePS was not imported from ${PSScriptRoot}: the CubePS.dll in this process is version $($binary.Version), from $loadedFrom. $inUse" CubeModuleVersionConflict ResourceExists $PSScriptRoot)
}
