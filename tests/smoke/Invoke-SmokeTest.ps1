<#
.SYNOPSIS
    Imports the built module and reads and exports customers from the Cube simulator, in whatever
    PowerShell runs it: hosted CI runs it in Windows PowerShell 5.1 (powershell.exe), which this
    repository's own build machine cannot run. Written for PowerShell 5.1 (a Pester test checks
    that it uses no syntax 5.1 lacks, and runs it in PowerShell 7). Exits 1 on the first failure.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $SimulatorPath,
    [string] $OutputDirectory = (Join-Path ([IO.Path]::GetTempPath()) ('cubeps-smoke-' + [guid]::NewGuid().ToString('N'))),
    # Windows PowerShell 5.1 in CI: fail unless this is it.
    [switch] $RequireDesktop
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Assert-That([bool] $Condition, [string] $What) {
    if (-not $Condition) { throw "Smoke test failed: $What" }
    Write-Host "ok: $What"
}

Write-Host "PowerShell $($PSVersionTable.PSVersion) ($($PSVersionTable.PSEdition)) on .NET $([Environment]::Version)"
if ($RequireDesktop) { Assert-That ($PSVersionTable.PSEdition -eq 'Desktop' -and $PSVersionTable.PSVersion.Major -eq 5) 'this is Windows PowerShell 5.1' }

Import-Module (Join-Path $PSScriptRoot '../CubeSimulator/CubeSimulator.psm1') -Force
$simulator = Start-CubeSimulator -SimulatorPath $SimulatorPath
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
try {
    $module = Import-Module $ModulePath -PassThru -Force
    Assert-That ($module.Version -eq [version](Import-PowerShellDataFile (Join-Path $ModulePath 'CubePS.psd1')).ModuleVersion) "CubePS $($module.Version) imports"

    $token = ConvertTo-SecureString $simulator.Token -AsPlainText -Force
    Connect-Cube -BaseUri $simulator.BaseUri -Token $token -Validate -AssignmentId 9
    $test = Test-CubeConnection -AssignmentId 9
    Assert-That ($test.Succeeded -and $test.Customers -eq 10) 'Test-CubeConnection reaches assignment 9 (10 customers)'

    $customers = @(Get-CubeCustomer -AssignmentId 9)
    Assert-That ($customers.Count -eq 10) 'Get-CubeCustomer reads the 10 customers of assignment 9'
    Assert-That ($customers[0].customer_id -eq 2488539 -and $customers[0].city -eq 'ELVERUM') 'the seed record reads as Cube sent it'
    Assert-That (@(Get-CubeCustomer -AssignmentId 20).Count -eq 1234) 'a paged assignment reads whole (1,234 customers)'

    $csv = Join-Path $OutputDirectory 'customers.csv'
    $result = Export-CubeCustomer -AssignmentId 9, 12 -Path $csv -Delimiter ';' -PassThru
    Assert-That ($result.Customers -eq 14 -and @(Import-Csv -LiteralPath $csv -Delimiter ';').Count -eq 14) 'Export-CubeCustomer writes a CSV of 14 customers'
    $xlsx = Join-Path $OutputDirectory 'customers.xlsx'
    Export-CubeCustomer -AssignmentId 12 -Path $xlsx
    Assert-That ((Get-Item -LiteralPath $xlsx).Length -gt 0) 'Export-CubeCustomer writes a workbook'

    $failure = $null
    try { Get-CubeCustomer -AssignmentId 404 -ErrorAction Stop } catch { $failure = $_ }
    Assert-That ($null -ne $failure -and $failure.FullyQualifiedErrorId -like 'CubeAssignmentNotFound,*') 'an unknown assignment is CubeAssignmentNotFound'
    Disconnect-Cube
    Write-Host 'Smoke test passed.'
}
finally {
    Stop-CubeSimulator $simulator
    Remove-Item -LiteralPath $OutputDirectory -Recurse -Force -ErrorAction SilentlyContinue
}
