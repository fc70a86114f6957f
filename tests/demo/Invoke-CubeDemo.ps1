<#
.SYNOPSIS
    A short CubePS session against the Cube simulator: what an admin would type, and what it shows.
    Run by `./build.ps1 -Task Demo`, which starts and stops the simulator.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $BaseUri,
    [Parameter(Mandatory)][string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'

# Sent to a file or a pipe (build.ps1 -Task Demo > demo.txt), there is no console: no colour codes
# then, and tables as wide as a console's, not as wide as the console that is not there.
$redirected = [Console]::IsOutputRedirected
if ($redirected) { $PSStyle.OutputRendering = 'PlainText' }
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$csv = Join-Path $OutputDirectory 'customers.csv'

function Show-Step {
    # Prints a heading and the command as typed, then runs it and shows what it writes.
    param([string] $Title, [scriptblock] $Command)
    Write-Host ''
    Write-Host "# $Title" -ForegroundColor Cyan
    foreach ($line in $Command.ToString().Trim() -split "`n") {
        Write-Host ('PS> ' + $line.Trim()) -ForegroundColor Yellow
    }
    if ($redirected) { . $Command | Out-String -Width 160 | Write-Host -NoNewline }
    else { . $Command | Out-Host }
}

Show-Step 'Load CubePS (here from the build output; from the Gallery: Install-PSResource CubePS)' {
    Import-Module $ModulePath
    Get-Command -Module CubePS
}

# The simulator's token; a real one comes from a Cube administrator.
$token = ConvertTo-SecureString 'cube-simulator-token' -AsPlainText -Force

Show-Step 'Connect (with -Account acme this would be https://acme.headshed.com), and test it now' {
    Connect-Cube -BaseUri $BaseUri -Token $token -Validate -AssignmentId 9 -PassThru
    Test-CubeConnection -AssignmentId 9
}

Show-Step 'Every customer of assignment 9 (a B2B assignment with 6 extra fields)' {
    Get-CubeCustomer -AssignmentId 9 | Format-Table
}

Show-Step 'Filter with Where-Object on an assignment-specific field' {
    Get-CubeCustomer -AssignmentId 9 | Where-Object Region -eq 'Nord-Norge' | Select-Object customer_id, org_name, city, Kontaktperson
}

Show-Step 'Only what changed since a date (the nightly job)' {
    Get-CubeCustomer -AssignmentId 9 -UpdatedSince '2024-03-01' | Select-Object customer_id, name, updated, updated_by, update_method
}

Show-Step 'Export through the pipeline: the objects to Export-Csv' {
    Get-CubeCustomer -AssignmentId 9 | Export-Csv -Path $csv -Encoding utf8BOM -NoTypeInformation
    "Wrote $csv"
}

Show-Step 'Export straight to files: a CSV for Excel in Norway (;), a workbook, JSON Lines for a loader' {
    $norwegian = Join-Path $OutputDirectory 'customers-excel.csv'
    Export-CubeCustomer -AssignmentId 9, 12 -Path $norwegian -Delimiter ';' -PassThru
    Export-CubeCustomer -AssignmentId 9, 12 -Path (Join-Path $OutputDirectory 'customers.xlsx') -PassThru
    Export-CubeCustomer -AssignmentId 9 -Path (Join-Path $OutputDirectory 'customers.jsonl') -PassThru
    Get-Content $norwegian -Encoding utf8 -TotalCount 2 | ForEach-Object { $_.Substring(0, [math]::Min(100, $_.Length)) + '...' }
}

Show-Step 'The CSV has a column for every field, also those the first customer lacks' {
    $rows = Import-Csv -Path $csv
    "{0} rows, {1} columns" -f $rows.Count, $rows[0].psobject.Properties.Name.Count
    ($rows[0].psobject.Properties.Name | Select-Object -Last 8) -join ', '
    $rows | Select-Object customer_id, city, Klassifisering, Medlemsnummer, Kontaktperson | Format-Table
}

Show-Step 'A paged assignment (1,234 customers in pages of 100)' {
    Get-CubeCustomer -AssignmentId 20 | Group-Object county | Sort-Object Count -Descending | Select-Object Count, Name
}

Show-Step 'A wrong assignment id is a clear, non-terminating error' {
    Get-CubeCustomer -AssignmentId 404 -ErrorAction Continue
    "FullyQualifiedErrorId: $($Error[0].FullyQualifiedErrorId)"
}

Show-Step 'A wrong token is refused by Connect-Cube -Validate, before any export; the session keeps its connection' {
    try {
        Connect-Cube -BaseUri $BaseUri -Token (ConvertTo-SecureString 'not-the-token' -AsPlainText -Force) -Validate -AssignmentId 9
    }
    catch {
        "FullyQualifiedErrorId: $($_.FullyQualifiedErrorId)"
        $_.Exception.Message
    }
    "Still connected to: $(Get-CubeConnection)"
}

Disconnect-Cube
Write-Host ''
Write-Host 'Demo finished.' -ForegroundColor Green
