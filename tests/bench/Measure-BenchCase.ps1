<#
.SYNOPSIS
    One benchmark case, in this (fresh) pwsh process: runs it once and prints one JSON line with
    its wall time (from just before the command to its end), the process's peak resident memory,
    and what it produced. Started by Invoke-Benchmark.ps1.
#>
param(
    [Parameter(Mandatory)][ValidateSet('IrmCsv', 'IrmParallelCsv', 'CubeDown', 'CubeCsv', 'CubeMeasure', 'CubeFirst10', 'ExportCsv', 'ExportXlsx', 'ExportJsonLines')][string] $Case,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $BaseUri,
    # One id, or a range of them ('200001-200100'): the many-assignments row.
    [Parameter(Mandatory)][string] $AssignmentId,
    [Parameter(Mandatory)][string] $Token,
    [Parameter(Mandatory)][string] $CsvPath
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Get-PeakResidentMB {
    if (Test-Path /proc/self/status) {
        $line = (Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' })
        return [double]($line -replace '[^0-9]', '') / 1024
    }
    return [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB
}

if ($Case -notlike 'Irm*') {
    Import-Module $ModulePath
    Connect-Cube -BaseUri $BaseUri -Token (ConvertTo-SecureString $Token -AsPlainText -Force)
}

$ids = if ($AssignmentId -match '^(\d+)-(\d+)$') { [int[]]([int]$Matches[1]..[int]$Matches[2]) } else { [int[]]@([int]$AssignmentId) }

$records = 0
$lastError = $null
$watch = [Diagnostics.Stopwatch]::StartNew()
switch ($Case) {
    'IrmCsv' {
        # The hand-written alternative, as a competent admin would write it: follow `next`,
        # collect every record in a List, then one Export-Csv.
        # Many assignments: one after another.
        $headers = @{ Authorization = "Token $Token"; Accept = 'application/json' }
        $all = [System.Collections.Generic.List[object]]::new()
        foreach ($id in $ids) {
            $uri = $BaseUri.TrimEnd('/') + "/crm/assignment_id/$id/customers"
            while ($uri) {
                $page = Invoke-RestMethod -Uri $uri -Headers $headers
                if ($page -is [array]) { $all.AddRange([object[]]$page); break }
                $all.AddRange([object[]]$page.results)
                $uri = $page.next
            }
        }
        $all | Export-Csv -LiteralPath $CsvPath -NoTypeInformation
        $records = $all.Count
    }
    'IrmParallelCsv' {
        # What an experienced admin writes for many assignments: eight at once, each paged to its end.
        $headers = @{ Authorization = "Token $Token"; Accept = 'application/json' }
        $base = $BaseUri.TrimEnd('/')
        $ids | ForEach-Object -ThrottleLimit 8 -Parallel {
            $uri = $using:base + "/crm/assignment_id/$_/customers"
            $list = [System.Collections.Generic.List[object]]::new()
            while ($uri) {
                $page = Invoke-RestMethod -Uri $uri -Headers $using:headers
                if ($page -is [array]) { $list.AddRange([object[]]$page); break }
                $list.AddRange([object[]]$page.results)
                $uri = $page.next
            }
            $list
        } | Export-Csv -LiteralPath $CsvPath -NoTypeInformation
    }
    'CubeCsv' {
        Get-CubeCustomer -AssignmentId $ids | Export-Csv -LiteralPath $CsvPath -NoTypeInformation
    }
    'ExportCsv' {
        Export-CubeCustomer -AssignmentId $ids -LiteralPath $CsvPath
    }
    'ExportXlsx' {
        $CsvPath = [IO.Path]::ChangeExtension($CsvPath, '.xlsx')
        $written = Export-CubeCustomer -AssignmentId $ids -LiteralPath $CsvPath -PassThru
        # The workbook is not read back here (that would be timed too); the count is the cmdlet's own.
        $records = $written.Customers
        $columns = $written.Columns
    }
    'ExportJsonLines' {
        $CsvPath = [IO.Path]::ChangeExtension($CsvPath, '.jsonl')
        Export-CubeCustomer -AssignmentId $ids -LiteralPath $CsvPath
    }
    'CubeDown' {
        # Nothing listens at -BaseUri: the call ends with its errors; how long it takes is the case.
        try { Get-CubeCustomer -AssignmentId $ids -MaximumRetryCount 2 -RetryIntervalSec 1 -ErrorAction SilentlyContinue | Out-Null }
        catch { $lastError = $_.FullyQualifiedErrorId }
    }
    'CubeMeasure' {
        $records = (Get-CubeCustomer -AssignmentId $ids | Measure-Object).Count
    }
    'CubeFirst10' {
        # Time to the tenth object.
        $seen = 0
        Get-CubeCustomer -AssignmentId $ids -First 10 | ForEach-Object { $seen++; if ($seen -eq 10) { $watch.Stop() } }
        $records = $seen
    }
}
$watch.Stop()

if ($Case -ne 'ExportXlsx') { $columns = 0 }
$fileMB = 0
if ($Case -in 'IrmCsv', 'IrmParallelCsv', 'CubeCsv', 'ExportCsv') {
    # Rows and columns as a CSV reader sees them (the generated records have no line breaks in values).
    $reader = [IO.StreamReader]::new($CsvPath)
    $columns = ($reader.ReadLine() -split '","').Count
    $records = 0
    while ($null -ne $reader.ReadLine()) { $records++ }
    $reader.Dispose()
}
if ($Case -eq 'ExportJsonLines') {
    $records = 0
    $reader = [IO.StreamReader]::new($CsvPath)
    while ($null -ne $reader.ReadLine()) { $records++ }
    $reader.Dispose()
}
if (Test-Path -LiteralPath $CsvPath) {
    $fileMB = [math]::Round((Get-Item -LiteralPath $CsvPath).Length / 1MB, 1)
    Remove-Item -LiteralPath $CsvPath
}

# What this process still holds of the module's spool after the command (should be nothing).
$openSpools = if (Test-Path /proc/self/fd) { @(Get-ChildItem /proc/self/fd -ErrorAction SilentlyContinue | Where-Object { "$($_.LinkTarget)" -like '*cubeps-*.spool*' }).Count } else { 0 }

[pscustomobject]@{
    case          = $Case
    seconds       = [math]::Round($watch.Elapsed.TotalSeconds, 3)
    peakMB        = [math]::Round((Get-PeakResidentMB), 1)
    records       = $records
    csvColumns    = $columns
    fileMB        = $fileMB
    openSpoolsAfter = $openSpools
    lastError     = $lastError
} | ConvertTo-Json -Compress
