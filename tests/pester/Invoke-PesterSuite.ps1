<#
.SYNOPSIS
    Runs every Pester test against the built module and one Cube simulator, in this (fresh) process.
.OUTPUTS
    Writes {"passed": N, "failed": N} to -ResultFile; exits 1 when a test failed.
#>
param(
    [Parameter(Mandatory)][string] $PesterPath,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultFile,
    [string[]] $Path = @($PSScriptRoot),
    [string[]] $Tag = @()
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../CubeSimulator/CubeSimulator.psm1') -Force
$env:CUBEPS_TEST_MODULE = (Resolve-Path $ModulePath).Path

$simulator = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath)
$env:CUBEPS_TEST_SIMULATOR = $simulator.BaseUri
try {
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $Path
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $configuration.Output.RenderMode = 'Plaintext'
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultFile, '.xml')
    if ($Tag) { $configuration.Filter.Tag = $Tag }
    $result = Invoke-Pester -Configuration $configuration
}
finally {
    Stop-CubeSimulator $simulator
}

# Tests that did not run (skipped, or lost to a failed BeforeAll) count as failed, never as passed;
# so does a run that found no test at all.
$failed = $result.FailedCount + $result.SkippedCount + $result.NotRunCount + $result.FailedBlocksCount + $result.FailedContainersCount
if ($result.PassedCount + $failed -eq 0) { $failed = 1 }
@{ passed = $result.PassedCount; failed = $failed } | ConvertTo-Json | Set-Content -LiteralPath $ResultFile
exit ([int]($failed -gt 0))
