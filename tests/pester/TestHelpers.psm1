# Shared by the Pester tests: the built module's path, and the Cube simulator (one per test run,
# started by Invoke-PesterSuite.ps1, or by the first test file when a file is run on its own).

$script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
$script:Simulator = $null
Import-Module (Join-Path $PSScriptRoot '../CubeSimulator/CubeSimulator.psm1') -Force
# Get-PwshCommandLine, New-IsolatedHome, Start-PwshProcess and Invoke-PwshProcess, shared with build.ps1.
Import-Module (Join-Path $PSScriptRoot '../../.build/BuildTools.psm1') -Force -Global

function Get-SimulatorPath { Join-Path $script:Root 'out/simulator/CubeSimulator.dll' }

function Get-CubeModulePath {
    if ($env:CUBEPS_TEST_MODULE) { return $env:CUBEPS_TEST_MODULE }
    return (Join-Path $script:Root 'out/CubePS')
}

function Get-CubeSimulator {
    <# The simulator of this test run, started on first use unless the suite runner gave one. #>
    if ($script:Simulator) { return $script:Simulator }
    if ($env:CUBEPS_TEST_SIMULATOR) {
        $script:Simulator = [pscustomobject]@{
            BaseUri = $env:CUBEPS_TEST_SIMULATOR; Process = $null
            Token = 'cube-simulator-token'; UserName = 'agent@example.com'; Password = 'hemmelig-æøå-1'
        }
    }
    else {
        $script:Simulator = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath)
        $env:CUBEPS_TEST_SIMULATOR = $script:Simulator.BaseUri
    }
    return $script:Simulator
}

function Get-SimulatorToken {
    ConvertTo-SecureString (Get-CubeSimulator).Token -AsPlainText -Force
}

function Get-SimulatorCredential {
    $sim = Get-CubeSimulator
    [pscredential]::new($sim.UserName, (ConvertTo-SecureString $sim.Password -AsPlainText -Force))
}

function Connect-CubeSimulator {
    <# Connect-Cube to the simulator with its token; extra parameters go to Connect-Cube. #>
    param([hashtable] $With = @{})
    Connect-Cube -BaseUri (Get-CubeSimulator).BaseUri -Token (Get-SimulatorToken) @With
}

function Set-SimulatorAssignment {
    <# Configures how the simulator serves an assignment (see tests/CubeSimulator/README.md). #>
    param([Parameter(Mandatory)][int] $Id, [Parameter(Mandatory)][hashtable] $Setup)
    Set-CubeSimulatorAssignment -BaseUri (Get-CubeSimulator).BaseUri -Id $Id -Setup $Setup
}

function New-SimulatorAssignment {
    <#
    An assignment id no other test of this run has used, served as -Setup says (so its fault
    counters and shifts start afresh). The counter lives in the process environment, so test files
    that import this module again keep counting.
    #>
    param([Parameter(Mandatory)][hashtable] $Setup)
    $id = if ($env:CUBEPS_TEST_NEXT_ASSIGNMENT) { [int]$env:CUBEPS_TEST_NEXT_ASSIGNMENT } else { 100000 }
    $env:CUBEPS_TEST_NEXT_ASSIGNMENT = $id + 1
    Set-SimulatorAssignment -Id $id -Setup $Setup
    return $id
}

function Invoke-CapturedCall {
    <# Runs $Call; returns its output, errors, warnings and verbose lines apart, and how long it took. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][scriptblock] $Call)
    # $Call runs in the test's scope, not this module's: its error preference is set there, so a
    # non-terminating error is captured rather than thrown, and put back afterwards.
    $callerVariables = $PSCmdlet.SessionState.PSVariable
    $callerPreference = $callerVariables.GetValue('ErrorActionPreference')
    $callerVariables.Set('ErrorActionPreference', 'Continue')
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try { $all = @(& $Call 2>&1 3>&1 4>&1) }
    finally { $callerVariables.Set('ErrorActionPreference', $callerPreference) }
    $watch.Stop()
    [pscustomobject]@{
        Output   = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] -and $_ -isnot [System.Management.Automation.VerboseRecord] })
        Errors   = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        Warnings = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        Verbose  = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        Seconds  = $watch.Elapsed.TotalSeconds
    }
}

function Remove-SimulatorAssignment {
    param([Parameter(Mandatory)][int] $Id)
    Invoke-RestMethod -Method Delete -Uri ((Get-CubeSimulator).BaseUri + "_sim/assignments/$Id") -SkipHttpErrorCheck | Out-Null
}

function Get-SimulatorStats {
    Invoke-RestMethod -Uri ((Get-CubeSimulator).BaseUri + '_sim/stats')
}

function Reset-SimulatorStats {
    Invoke-RestMethod -Method Post -Uri ((Get-CubeSimulator).BaseUri + '_sim/stats/reset') | Out-Null
}

function Get-SimulatorRequestCount {
    param([int] $AssignmentId)
    $stats = Get-SimulatorStats
    $count = $stats.byAssignment."$AssignmentId"
    if ($null -eq $count) { 0 } else { [int]$count }
}

function Clear-CubeEnvironment {
    <# Removes every CUBE_* variable, so a test starts with no unattended configuration. #>
    foreach ($name in 'CUBE_BASE_URI', 'CUBE_ACCOUNT', 'CUBE_TOKEN', 'CUBE_USERNAME', 'CUBE_PASSWORD', 'CUBE_SPOOL_MEMORY_MB') {
        Remove-Item "env:$name" -ErrorAction SilentlyContinue
    }
}

function Use-Metadata {
    # Runs $Action with a MetadataReader over the dll at $Path, without loading the dll.
    param([string] $Path, [scriptblock] $Action)
    $stream = [IO.File]::OpenRead($Path)
    try {
        $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        & $Action ([System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($reader))
    }
    finally { $stream.Dispose() }
}

function Get-AssemblyReference {
    <# The assemblies a dll asks for, read from its metadata. #>
    param([string] $Path)
    Use-Metadata $Path { param($metadata) foreach ($handle in $metadata.AssemblyReferences) { $metadata.GetAssemblyReference($handle).GetAssemblyName() } }
}

function Get-TargetFramework {
    <# The dll's TargetFrameworkAttribute ('.NETStandard,Version=v2.0'), or nothing when it has none. #>
    param([string] $Path)
    Use-Metadata $Path {
        param($metadata)
        foreach ($handle in $metadata.GetAssemblyDefinition().GetCustomAttributes()) {
            $attribute = $metadata.GetCustomAttribute($handle)
            if ($attribute.Constructor.Kind -ne 'MemberReference') { continue }
            $constructor = $metadata.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
            if ($constructor.Parent.Kind -ne 'TypeReference') { continue }
            $type = $metadata.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$constructor.Parent)
            if ($metadata.GetString($type.Name) -eq 'TargetFrameworkAttribute') {
                $blob = $metadata.GetBlobReader($attribute.Value)
                $null = $blob.ReadUInt16()
                $blob.ReadSerializedString()
            }
        }
    }
}

function Get-MemberReferenceName {
    <# 'Type.Member' for every member of another assembly that a dll calls or reads. #>
    param([string] $Path)
    Use-Metadata $Path {
        param($metadata)
        foreach ($handle in $metadata.MemberReferences) {
            $member = $metadata.GetMemberReference($handle)
            if ($member.Parent.Kind -eq 'TypeReference') {
                $type = $metadata.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$member.Parent)
                '{0}.{1}' -f $metadata.GetString($type.Name), $metadata.GetString($member.Name)
            }
        }
    }
}

Export-ModuleMember -Function *
