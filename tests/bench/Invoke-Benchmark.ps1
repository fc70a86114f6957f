<#
.SYNOPSIS
    CubePS against a hand-written Invoke-RestMethod loop: wall time and peak memory of each case,
    each run in a fresh pwsh process, the minimum of several runs. Run by `./build.ps1 -Task Bench`.

.DESCRIPTION
    Starts the Cube simulator with generated assignments (about 1.1 KB per record, 45 standard
    fields, 6 extra fields on some records, about a third of the values null), then measures:
      1. an Invoke-RestMethod loop that follows `next`, collects the records, pipes them to Export-Csv
      2. Get-CubeCustomer | Export-Csv
      3. Get-CubeCustomer | Measure-Object
      4. Get-CubeCustomer -First 10 (time to the tenth object)
      5. pwsh start alone, and pwsh start plus Import-Module
      6. Export-CubeCustomer to .csv, 7. to .xlsx, 8. to .jsonl
    at 100,000 records in pages of 500; cases 1 and 2 again with 100 ms of latency per page; cases
    2, 3 and 6 at 1,000,000 records; cases 2 and 6 for the worst shape of one set of columns per
    call, every record with a key of its own, at 1,500 and 3,000 records (the cost per cell must
    not grow). Then the many-assignments row: 100 small assignments (20 to 260 customers, pages of
    100), with 50 ms of latency per reply and without: the Invoke-RestMethod loop one assignment
    after another (1m), the same loop in ForEach-Object -Parallel -ThrottleLimit 8 (1p), case 2 and
    case 6 with every id in one call. Prints a table with the ratios and writes
    out/bench/results.json. Last, the outage case: the same call while nothing listens (2 retries
    of 1 s), against one assignment. -ManyOnly measures only these last rows.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $SimulatorPath,
    [Parameter(Mandatory)][string] $OutputDirectory,
    [int] $Runs = 3,
    [int] $Records = 100000,
    [int] $LargeRecords = 1000000,
    [int] $PageSize = 500,
    [int] $LatencyMs = 100,
    [int] $ManyAssignments = 100,
    [int] $ManyLatencyMs = 50,
    [switch] $ManyOnly
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot '../CubeSimulator/CubeSimulator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../../.build/BuildTools.psm1') -Force
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
# The case processes start elsewhere: give them full paths.
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$OutputDirectory = (Resolve-Path -LiteralPath $OutputDirectory).Path
$caseScript = Join-Path $PSScriptRoot 'Measure-BenchCase.ps1'

$pwsh = Get-PwshCommandLine

# The assignments: ids that say what they hold.
$normal = 100001; $slow = 100002; $large = 100003; $uniqueSmall = 100004; $uniqueLarge = 100005
$uniqueSmallRecords = 1500; $uniqueLargeRecords = 3000
# The many-assignments row: ids 200001 and up, 20 to 260 customers each (spread evenly, the same
# every run), pages of 100; served by this simulator without latency and by a second one that
# delays every reply by $ManyLatencyMs ms, as a remote Cube does.
$manyFirst = 200001
$manyLast = $manyFirst + $ManyAssignments - 1
$manyRange = "$manyFirst-$manyLast"
$manySetup = foreach ($i in 0..($ManyAssignments - 1)) { '--synthetic'; "$($manyFirst + $i)=$(20 + (($i * 97) % 241))`:100" }
$simulator = Start-CubeSimulator -SimulatorPath $SimulatorPath -ExtraArguments (@(
    '--synthetic', "$normal=$Records`:$PageSize",
    '--synthetic', "$slow=$Records`:$PageSize`:$LatencyMs",
    '--synthetic', "$large=$LargeRecords`:$PageSize",
    '--synthetic', "$uniqueSmall=$uniqueSmallRecords`:$PageSize`:0:unique",
    '--synthetic', "$uniqueLarge=$uniqueLargeRecords`:$PageSize`:0:unique") + $manySetup)
$remote = Start-CubeSimulator -SimulatorPath $SimulatorPath -ExtraArguments (@('--reply-delay-ms', "$ManyLatencyMs") + $manySetup)

# Cube down: a loopback port nothing listens on (connections refused at once).
$listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
$listener.Start(); $downUri = "http://127.0.0.1:$($listener.LocalEndpoint.Port)/"; $listener.Stop()

function Get-SpoolBytes {
    # The size of the module's temporary spool file(s) that process $ProcessId holds open. They are
    # unlinked as soon as made and locked by their owner, so they are found through /proc and
    # measured with stat -L (Linux only; elsewhere this reports 0).
    param([int] $ProcessId)
    $total = 0L
    foreach ($fd in @(Get-ChildItem "/proc/$ProcessId/fd" -ErrorAction SilentlyContinue)) {
        if ("$($fd.LinkTarget)" -like '*cubeps-*.spool*') {
            $size = & stat -L -c '%s' $fd.FullName 2>$null
            if ($size) { $total += [long]$size }
        }
    }
    return $total
}

function Invoke-Run {
    # Runs one case once in a fresh pwsh, watching its spool file from outside.
    param([string] $Name, [string] $Case, [string] $AssignmentId, [string] $Label, [int] $Run, [string] $BaseUri = $simulator.BaseUri)
    $csv = Join-Path $OutputDirectory "case-$Case-$Run.csv"
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $caseScript,
        '-Case', $Case, '-ModulePath', $ModulePath, '-BaseUri', $BaseUri, '-AssignmentId', $AssignmentId,
        '-Token', $simulator.Token, '-CsvPath', $csv)
    $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in $arguments) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($start)
    $output = $process.StandardOutput.ReadToEndAsync()
    $spoolPeak = 0L
    while (-not $process.WaitForExit(100)) {
        if (Test-Path "/proc/$($process.Id)/fd") { $spoolPeak = [math]::Max($spoolPeak, (Get-SpoolBytes $process.Id)) }
    }
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "Case $Name failed: $($output.Result)" }
    $line = ($output.Result -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1)
    $result = $line | ConvertFrom-Json
    $result | Add-Member -NotePropertyName spoolMB -NotePropertyValue ([math]::Round($spoolPeak / 1MB, 1))
    Write-Host ("  {0,-44} run {1}: {2,7:N2} s {3,8:N0} MB" -f $Label, $Run, $result.seconds, $result.peakMB)
    return $result
}

function Measure-Cases {
    # Runs every case $Runs times, one round of all cases after another, so that a machine that
    # speeds up or slows down over the minutes affects the cases alike. Reports per case the least
    # wall time and the least peak memory of its runs, and the largest spool file.
    param([object[]] $Definitions)
    $resultsByCase = @{}
    foreach ($definition in $Definitions) { $resultsByCase[$definition.Name] = [System.Collections.Generic.List[object]]::new() }
    foreach ($round in 1..$Runs) {
        foreach ($definition in $Definitions) {
            $resultsByCase[$definition.Name].Add((Invoke-Run @definition -Run $round))
        }
    }
    $cases = [ordered]@{}
    foreach ($definition in $Definitions) {
        $results = $resultsByCase[$definition.Name]
        $best = $results | Sort-Object seconds | Select-Object -First 1
        $cases[$definition.Name] = [pscustomobject]@{
            Name            = $definition.Name
            Label           = $definition.Label
            Seconds         = $best.seconds
            AllSeconds      = @($results.seconds)
            PeakMB          = ($results | Measure-Object peakMB -Minimum).Minimum
            AllPeakMB       = @($results.peakMB)
            Records         = $best.records
            CsvColumns      = $best.csvColumns
            FileMB          = $best.fileMB
            SpoolMB         = ($results | Measure-Object spoolMB -Maximum).Maximum
            OpenSpoolsAfter = ($results | Measure-Object openSpoolsAfter -Maximum).Maximum
            LastError       = $best.lastError
        }
    }
    return $cases
}

function Measure-Start {
    # Wall time of a whole pwsh process (start, command, exit), the minimum of several runs.
    param([string] $Command, [int] $Times = 7)
    $best = [double]::MaxValue
    foreach ($i in 1..$Times) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Command | Out-Null
        $watch.Stop()
        $best = [math]::Min($best, $watch.Elapsed.TotalSeconds)
    }
    return $best
}

try {
    Write-Host "Benchmark: $Records records (pages of $PageSize), $LargeRecords records, $LatencyMs ms latency; $Runs runs per case"
    $manyLabel = "$ManyAssignments assignments"
    $manyCases = @(
        @{ Name = 'ManyIrmLoop'; Case = 'IrmCsv'; AssignmentId = $manyRange; BaseUri = $remote.BaseUri; Label = "1m. Invoke-RestMethod loop, $manyLabel, $ManyLatencyMs ms" }
        @{ Name = 'ManyIrmParallel'; Case = 'IrmParallelCsv'; AssignmentId = $manyRange; BaseUri = $remote.BaseUri; Label = "1p. ForEach-Object -Parallel -ThrottleLimit 8, $ManyLatencyMs ms" }
        @{ Name = 'ManyCubeCsv'; Case = 'CubeCsv'; AssignmentId = $manyRange; BaseUri = $remote.BaseUri; Label = "2. Get-CubeCustomer | Export-Csv, $manyLabel, $ManyLatencyMs ms" }
        @{ Name = 'ManyExportCsv'; Case = 'ExportCsv'; AssignmentId = $manyRange; BaseUri = $remote.BaseUri; Label = "6. Export-CubeCustomer, $manyLabel, $ManyLatencyMs ms" }
        @{ Name = 'ManyIrmLoopNoLatency'; Case = 'IrmCsv'; AssignmentId = $manyRange; Label = "1m. Invoke-RestMethod loop, $manyLabel" }
        @{ Name = 'ManyIrmParallelNoLatency'; Case = 'IrmParallelCsv'; AssignmentId = $manyRange; Label = '1p. ForEach-Object -Parallel -ThrottleLimit 8' }
        @{ Name = 'ManyCubeCsvNoLatency'; Case = 'CubeCsv'; AssignmentId = $manyRange; Label = "2. Get-CubeCustomer | Export-Csv, $manyLabel" }
        @{ Name = 'ManyExportCsvNoLatency'; Case = 'ExportCsv'; AssignmentId = $manyRange; Label = "6. Export-CubeCustomer, $manyLabel" }
        @{ Name = 'DownOne'; Case = 'CubeDown'; AssignmentId = "$manyFirst"; BaseUri = $downUri; Label = 'Cube down: 1 assignment, 2 retries of 1 s' }
        @{ Name = 'DownMany'; Case = 'CubeDown'; AssignmentId = $manyRange; BaseUri = $downUri; Label = "Cube down: $manyLabel, the same" }
    )
    $oneAssignmentCases = @(
        @{ Name = 'IrmCsv'; Case = 'IrmCsv'; AssignmentId = $normal; Label = '1. Invoke-RestMethod loop | Export-Csv' }
        @{ Name = 'CubeCsv'; Case = 'CubeCsv'; AssignmentId = $normal; Label = '2. Get-CubeCustomer | Export-Csv' }
        @{ Name = 'CubeMeasure'; Case = 'CubeMeasure'; AssignmentId = $normal; Label = '3. Get-CubeCustomer | Measure-Object' }
        @{ Name = 'CubeFirst10'; Case = 'CubeFirst10'; AssignmentId = $normal; Label = '4. Get-CubeCustomer -First 10' }
        @{ Name = 'IrmCsvLatency'; Case = 'IrmCsv'; AssignmentId = $slow; Label = "1. Invoke-RestMethod loop, $LatencyMs ms/page" }
        @{ Name = 'CubeCsvLatency'; Case = 'CubeCsv'; AssignmentId = $slow; Label = "2. Get-CubeCustomer, $LatencyMs ms/page" }
        @{ Name = 'CubeCsvLarge'; Case = 'CubeCsv'; AssignmentId = $large; Label = "2. Get-CubeCustomer | Export-Csv, $($LargeRecords/1e6)M" }
        @{ Name = 'CubeMeasureLarge'; Case = 'CubeMeasure'; AssignmentId = $large; Label = "3. Get-CubeCustomer | Measure-Object, $($LargeRecords/1e6)M" }
        @{ Name = 'ExportCsv'; Case = 'ExportCsv'; AssignmentId = $normal; Label = '6. Export-CubeCustomer x.csv' }
        @{ Name = 'ExportXlsx'; Case = 'ExportXlsx'; AssignmentId = $normal; Label = '7. Export-CubeCustomer x.xlsx' }
        @{ Name = 'ExportJsonLines'; Case = 'ExportJsonLines'; AssignmentId = $normal; Label = '8. Export-CubeCustomer x.jsonl' }
        @{ Name = 'ExportCsvLarge'; Case = 'ExportCsv'; AssignmentId = $large; Label = "6. Export-CubeCustomer x.csv, $($LargeRecords/1e6)M" }
        @{ Name = 'CubeCsvUniqueSmall'; Case = 'CubeCsv'; AssignmentId = $uniqueSmall; Label = '2. a key per record' }
        @{ Name = 'CubeCsvUniqueLarge'; Case = 'CubeCsv'; AssignmentId = $uniqueLarge; Label = '2. a key per record' }
        @{ Name = 'ExportCsvUniqueSmall'; Case = 'ExportCsv'; AssignmentId = $uniqueSmall; Label = '6. a key per record' }
        @{ Name = 'ExportCsvUniqueLarge'; Case = 'ExportCsv'; AssignmentId = $uniqueLarge; Label = '6. a key per record' }
    )
    $cases = Measure-Cases @($(if (-not $ManyOnly) { $oneAssignmentCases }) + $manyCases)

    $escapedModule = $ModulePath.Replace("'", "''")
    $startAlone = if ($ManyOnly) { 0 } else { Measure-Start 'exit' }
    $startImport = if ($ManyOnly) { 0 } else { Measure-Start "Import-Module '$escapedModule'; exit" }
    # Peak memory of a pwsh that only started (the least of a few): the baseline that "above pwsh's
    # own start" subtracts.
    $baselineMB = [double]::MaxValue
    foreach ($i in 1..$(if ($ManyOnly) { 1 } else { $Runs })) {
        $baselineLine = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "if (Test-Path /proc/self/status) { (Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '[^0-9]','' } else { [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1KB }"
        $baselineMB = [math]::Min($baselineMB, [math]::Round([double]$baselineLine / 1024, 1))
    }
}
finally {
    Stop-CubeSimulator $simulator
    Stop-CubeSimulator $remote
}

function Test-Target([bool] $Met) { if ($Met) { 'met' } else { 'MISSED' } }
$aboveStart = { param($case) [math]::Round($case.PeakMB - $baselineMB, 1) }
$ratio = { param($slower, $faster) [math]::Round($slower.Seconds / $faster.Seconds, 2) }
$manyVsParallel = & $ratio $cases.ManyIrmParallel $cases.ManyExportCsv
$manyVsLoop = & $ratio $cases.ManyIrmLoop $cases.ManyExportCsv
$manyNoLatency = [math]::Min((& $ratio $cases.ManyIrmLoopNoLatency $cases.ManyExportCsvNoLatency), (& $ratio $cases.ManyIrmParallelNoLatency $cases.ManyExportCsvNoLatency))
$targets = @(
    [pscustomobject]@{ Target = "$manyLabel, $ManyLatencyMs ms: case 6 at least 1.5x faster than the -Parallel loop (1p)"; Measured = "$manyVsParallel x"; Result = Test-Target ($manyVsParallel -ge 1.5) }
    [pscustomobject]@{ Target = "$manyLabel, $ManyLatencyMs ms: case 6 at least 4x faster than the loop (1m)"; Measured = "$manyVsLoop x"; Result = Test-Target ($manyVsLoop -ge 4) }
    [pscustomobject]@{ Target = "$manyLabel, no latency: case 6 at least 3x faster than either loop"; Measured = "$manyNoLatency x"; Result = Test-Target ($manyNoLatency -ge 3) }
    # The retries of one assignment wait 1 to 1.5 s and 2 to 3 s (jitter): a call over many ends
    # within that budget, not one per assignment.
    [pscustomobject]@{ Target = "Cube down, $manyLabel`: ends with CubeUnavailable within one assignment's retries (4.5 s of waits) and 1 s"; Measured = "$($cases.DownMany.Seconds) s ($($cases.DownOne.Seconds) s for one assignment), $($cases.DownMany.LastError)"; Result = Test-Target ($cases.DownMany.Seconds -le 5.5 -and $cases.DownMany.LastError -like 'CubeUnavailable*') }
)
if (-not $ManyOnly) {
    $speedup = [math]::Round($cases.IrmCsv.Seconds / $cases.CubeCsv.Seconds, 2)
    $memoryRatio = [math]::Round($cases.CubeCsv.PeakMB / $cases.IrmCsv.PeakMB, 3)
    $memoryRatioAboveStart = [math]::Round((& $aboveStart $cases.CubeCsv) / (& $aboveStart $cases.IrmCsv), 3)
    $latencySpeedup = [math]::Round($cases.IrmCsvLatency.Seconds / $cases.CubeCsvLatency.Seconds, 2)
    $largeAboveStart = & $aboveStart $cases.CubeCsvLarge
    $importMs = [math]::Round(($startImport - $startAlone) * 1000)
    $exportVsLoop = [math]::Round($cases.IrmCsv.Seconds / $cases.ExportCsv.Seconds, 2)
    $exportVsPipeline = [math]::Round($cases.CubeCsv.Seconds / $cases.ExportCsv.Seconds, 2)
    $exportMemory = [math]::Round($cases.ExportCsv.PeakMB / $cases.IrmCsv.PeakMB, 3)
    $xlsxVsCsv = [math]::Round($cases.ExportXlsx.Seconds / $cases.ExportCsv.Seconds, 2)
    $exportLargeSpool = $cases.ExportCsvLarge.SpoolMB
    # Microseconds per cell (records x columns) of the unique-key cases, and how that grows from the
    # small to the large one: 1 is linear in records and keys, 2 would be a cost that grows with both.
    $perCell = { param($case) [math]::Round($case.Seconds * 1e6 / ($case.Records * $case.CsvColumns), 3) }
    $uniqueGrowth = [math]::Round((& $perCell $cases.CubeCsvUniqueLarge) / (& $perCell $cases.CubeCsvUniqueSmall), 2)
    $uniqueExportGrowth = [math]::Round((& $perCell $cases.ExportCsvUniqueLarge) / (& $perCell $cases.ExportCsvUniqueSmall), 2)

    $targets += @(
        [pscustomobject]@{ Target = 'case 2 at least 4x faster than case 1'; Measured = "$speedup x"; Result = Test-Target ($speedup -ge 4) }
        [pscustomobject]@{ Target = 'case 2 peak memory at most 1/10 of case 1 (whole process)'; Measured = "$memoryRatio"; Result = Test-Target ($memoryRatio -le 0.1) }
        [pscustomobject]@{ Target = 'the same, above pwsh''s own start'; Measured = "$memoryRatioAboveStart"; Result = Test-Target ($memoryRatioAboveStart -le 0.1) }
        [pscustomobject]@{ Target = "with $LatencyMs ms per page, case 2 at least 3x faster"; Measured = "$latencySpeedup x"; Result = Test-Target ($latencySpeedup -ge 3) }
        [pscustomobject]@{ Target = "$($LargeRecords/1e6)M records: case 2 at most 400 MB above pwsh's start"; Measured = "$largeAboveStart MB"; Result = Test-Target ($largeAboveStart -le 400) }
        [pscustomobject]@{ Target = "$($LargeRecords/1e6)M records: temporary disk at most 300 MB, removed"; Measured = "$([math]::Max($cases.CubeCsvLarge.SpoolMB, $cases.CubeMeasureLarge.SpoolMB)) MB, open after: $($cases.CubeCsvLarge.OpenSpoolsAfter + $cases.CubeMeasureLarge.OpenSpoolsAfter)"; Result = Test-Target ([math]::Max($cases.CubeCsvLarge.SpoolMB, $cases.CubeMeasureLarge.SpoolMB) -le 300 -and ($cases.CubeCsvLarge.OpenSpoolsAfter + $cases.CubeMeasureLarge.OpenSpoolsAfter) -eq 0) }
        [pscustomobject]@{ Target = 'case 4 (time to the tenth object) under 1 s'; Measured = "$($cases.CubeFirst10.Seconds) s"; Result = Test-Target ($cases.CubeFirst10.Seconds -lt 1) }
        [pscustomobject]@{ Target = 'Import-Module adds at most 150 ms to a pwsh start'; Measured = "$importMs ms"; Result = Test-Target ($importMs -le 150) }
        [pscustomobject]@{ Target = 'case 6 (Export-CubeCustomer .csv) at least 10x faster than case 1'; Measured = "$exportVsLoop x"; Result = Test-Target ($exportVsLoop -ge 10) }
        [pscustomobject]@{ Target = 'case 6 at least 2.5x faster than case 2'; Measured = "$exportVsPipeline x"; Result = Test-Target ($exportVsPipeline -ge 2.5) }
        [pscustomobject]@{ Target = 'case 6 peak memory at most 1/8 of case 1 (whole process)'; Measured = "$exportMemory"; Result = Test-Target ($exportMemory -le 0.125) }
        [pscustomobject]@{ Target = 'case 7 (.xlsx) at most 1.5x the time of case 6'; Measured = "$xlsxVsCsv x"; Result = Test-Target ($xlsxVsCsv -le 1.5) }
        [pscustomobject]@{ Target = 'case 7 peak memory no higher than case 6''s'; Measured = "$($cases.ExportXlsx.PeakMB) MB against $($cases.ExportCsv.PeakMB) MB"; Result = Test-Target ($cases.ExportXlsx.PeakMB -le $cases.ExportCsv.PeakMB) }
        [pscustomobject]@{ Target = "$($LargeRecords/1e6)M records, case 6: peak memory at most 250 MB (whole process)"; Measured = "$($cases.ExportCsvLarge.PeakMB) MB"; Result = Test-Target ($cases.ExportCsvLarge.PeakMB -le 250) }
        [pscustomobject]@{ Target = "$($LargeRecords/1e6)M records, case 6: temporary disk at most 300 MB, removed"; Measured = "$exportLargeSpool MB, open after: $($cases.ExportCsvLarge.OpenSpoolsAfter)"; Result = Test-Target ($exportLargeSpool -le 300 -and $cases.ExportCsvLarge.OpenSpoolsAfter -eq 0) }
        [pscustomobject]@{ Target = "a key per record, case 2: time per cell at $uniqueLargeRecords records at most 1.5x that at $uniqueSmallRecords"; Measured = "$uniqueGrowth x ($(& $perCell $cases.CubeCsvUniqueSmall) / $(& $perCell $cases.CubeCsvUniqueLarge) us per cell)"; Result = Test-Target ($uniqueGrowth -le 1.5) }
        [pscustomobject]@{ Target = 'the same for case 6'; Measured = "$uniqueExportGrowth x ($(& $perCell $cases.ExportCsvUniqueSmall) / $(& $perCell $cases.ExportCsvUniqueLarge) us per cell)"; Result = Test-Target ($uniqueExportGrowth -le 1.5) }
    )
}

$machine = [ordered]@{
    cpu        = if (Test-Path /proc/cpuinfo) { ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':', 2)[1].Trim() } else { $env:PROCESSOR_IDENTIFIER }
    cores      = [Environment]::ProcessorCount
    memoryGB   = if (Test-Path /proc/meminfo) { [math]::Round([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '[^0-9]', '') / 1MB, 1) } else { $null }
    os         = [Runtime.InteropServices.RuntimeInformation]::OSDescription
    dotnet     = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    powershell = $PSVersionTable.PSVersion.ToString()
}

Write-Host ''
Write-Host "Machine: $($machine.cpu), $($machine.cores) cores, $($machine.memoryGB) GB; $($machine.os); $($machine.dotnet); PowerShell $($machine.powershell)"
Write-Host "pwsh start: $([math]::Round($startAlone * 1000)) ms; with Import-Module CubePS: $([math]::Round($startImport * 1000)) ms; peak memory of pwsh's own start: $baselineMB MB"
$cases.Values | Select-Object Label, Records, @{ n = 'Wall s (min)'; e = { $_.Seconds } }, @{ n = 'Peak MB (min)'; e = { $_.PeakMB } }, @{ n = 'Above start MB'; e = { & $aboveStart $_ } }, @{ n = 'CSV columns'; e = { if ($_.CsvColumns) { $_.CsvColumns } else { '' } } }, @{ n = 'File MB'; e = { if ($_.FileMB) { $_.FileMB } else { '' } } }, @{ n = 'Spool file MB'; e = { $_.SpoolMB } } |
    Format-Table -AutoSize | Out-String -Width 200 | Write-Host
$targets | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
if ($cases.IrmCsv.CsvColumns -lt $cases.CubeCsv.CsvColumns) {
    Write-Host "Note: case 1's CSV has $($cases.IrmCsv.CsvColumns) columns, case 2's $($cases.CubeCsv.CsvColumns): Export-Csv took case 1's columns from its first record and dropped the extra fields that record lacks."
}

$report = [ordered]@{
    date       = (Get-Date).ToString('o')
    machine    = $machine
    parameters = [ordered]@{ records = $Records; largeRecords = $LargeRecords; pageSize = $PageSize; latencyMs = $LatencyMs; runs = $Runs }
    pwshStartSeconds = $startAlone
    pwshStartWithImportSeconds = $startImport
    pwshStartPeakMB = $baselineMB
    cases      = $cases
    targets    = $targets
}
$path = Join-Path $OutputDirectory 'results.json'
$report | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $path
Write-Host "Results: $path"
