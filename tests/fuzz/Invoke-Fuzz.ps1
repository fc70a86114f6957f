<#
.SYNOPSIS
    Fuzzes the page reader with SharpFuzz and AFL++ for a number of minutes. Run by
    `./build.ps1 -Task Fuzz [-Minutes N]`; not part of Test or CI. See tests/fuzz/README.md.

.DESCRIPTION
    1. Finds afl-fuzz; when it is missing, installs Debian's afl++ package as root (apt-get), or
       stops saying what to install.
    2. Publishes tests/fuzz/CubePS.Fuzz.csproj to <OutputDirectory>/bin and instruments the copy of
       CubePS.Client.dll there with the sharpfuzz tool (from the repository's tool manifest).
    3. Seeds AFL++ with tests/fuzz/corpus and tests/fuzz/regressions, and runs it for -Minutes
       with tests/fuzz/cube.dict; findings go to <OutputDirectory>/findings (the previous run's to
       findings.previous).
    4. Prints executions, paths, crashes and hangs, and where the inputs are. Exit code 0 when
       nothing was found, 1 when a crash or hang was (or the run failed).
#>
param(
    [Parameter(Mandatory)][string] $Root,
    [Parameter(Mandatory)][string] $OutputDirectory,
    [ValidateRange(1, 10080)][int] $Minutes = 10,
    [ValidateSet('Release', 'Debug')][string] $Configuration = 'Release',
    # Per input; .NET needs far more than a native target, and a child restarted after a crash starts cold.
    [int] $TimeoutMs = 5000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue'

function Invoke-Native {
    # Runs a program, its output to the console (never into a function's result); stops when it fails.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Find-AflFuzz {
    $command = Get-Command afl-fuzz -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    if (-not $IsLinux) {
        throw 'AFL++ runs on Linux only: run -Task Fuzz on Linux (or WSL) with Debian''s afl++ package.'
    }
    if ((& id -u) -ne '0') {
        throw 'afl-fuzz is not installed. Install AFL++ from Debian''s packages (sudo apt-get update && sudo apt-get install -y afl++), then run -Task Fuzz again.'
    }
    if (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw 'afl-fuzz is not installed and there is no apt-get to install it with: install AFL++ (the afl-fuzz command), then run -Task Fuzz again.'
    }
    Write-Host 'afl-fuzz is not installed: installing Debian''s afl++ package.'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'afl++')
    $command = Get-Command afl-fuzz -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $command) { throw 'Installing afl++ did not provide afl-fuzz.' }
    return $command.Source
}

function Read-FuzzerStats {
    # AFL++'s fuzzer_stats: "name : value" lines.
    param([string] $Path)
    $stats = @{}
    if (Test-Path -LiteralPath $Path) {
        foreach ($line in Get-Content -LiteralPath $Path) {
            $name, $value = $line -split '\s*:\s*', 2
            if ($value) { $stats[$name.Trim()] = $value.Trim() }
        }
    }
    return $stats
}

function Get-Stat {
    # The first of the names (AFL++ renamed some between versions) that the stats have.
    param([hashtable] $Stats, [string[]] $Names)
    foreach ($name in $Names) {
        if ($Stats.ContainsKey($name)) { return $Stats[$name] }
    }
    return '?'
}

$fuzzDirectory = $PSScriptRoot
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$OutputDirectory = (Resolve-Path -LiteralPath $OutputDirectory).Path
$bin = Join-Path $OutputDirectory 'bin'
$seeds = Join-Path $OutputDirectory 'seeds'
$findings = Join-Path $OutputDirectory 'findings'

$aflFuzz = Find-AflFuzz
Write-Host "afl-fuzz: $aflFuzz"

# A fresh publish each run: sharpfuzz refuses an assembly that is already instrumented.
Write-Host "Building the fuzzer ($Configuration)"
if (Test-Path -LiteralPath $bin) { Remove-Item -LiteralPath $bin -Recurse -Force }
Invoke-Native dotnet @('publish', (Join-Path $fuzzDirectory 'CubePS.Fuzz.csproj'), '--configuration', $Configuration,
    '--output', $bin, '--nologo', '--verbosity', 'quiet')

# The tool comes from the repository's manifest, which dotnet finds from the working directory.
Push-Location -LiteralPath $Root
try {
    Invoke-Native dotnet @('tool', 'restore')
    Write-Host 'Instrumenting CubePS.Client.dll'
    Invoke-Native dotnet @('tool', 'run', 'sharpfuzz', (Join-Path $bin 'CubePS.Client.dll'))
}
finally { Pop-Location }

# Seeds: the corpus and every regression input.
if (Test-Path -LiteralPath $seeds) { Remove-Item -LiteralPath $seeds -Recurse -Force }
$null = New-Item -ItemType Directory -Path $seeds
foreach ($folder in 'corpus', 'regressions') {
    $source = Join-Path $fuzzDirectory $folder
    if (Test-Path -LiteralPath $source) {
        Get-ChildItem -LiteralPath $source -File | Where-Object Extension -ne '.md' |
            ForEach-Object { Copy-Item -LiteralPath $_.FullName -Destination (Join-Path $seeds "$folder-$($_.Name)") }
    }
}

# Each run starts afresh; the previous run's findings are kept once.
$previous = "$findings.previous"
if (Test-Path -LiteralPath $findings) {
    if (Test-Path -LiteralPath $previous) { Remove-Item -LiteralPath $previous -Recurse -Force }
    Move-Item -LiteralPath $findings -Destination $previous
    Write-Host "The previous run's findings are in $previous"
}

$dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
$log = Join-Path $OutputDirectory 'afl-fuzz.log'
# Through sh only to send afl-fuzz's status lines to the log; each argument is passed as it is.
$start = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
foreach ($argument in @(
        '-c', 'log="$1"; shift; exec "$@" >"$log" 2>&1', 'sh', $log,
        $aflFuzz,
        '-i', $seeds, '-o', $findings,
        # A fixed timeout: with '+' AFL++ would scale it down to a few times the seeds' run time.
        '-t', [string]$TimeoutMs, '-m', 'none',
        '-V', [string]($Minutes * 60),
        '-x', (Join-Path $fuzzDirectory 'cube.dict'),
        '--', $dotnet, (Join-Path $bin 'CubePS.Fuzz.dll'))) {
    $start.ArgumentList.Add($argument)
}
$environment = [ordered]@{
    # dotnet itself is not instrumented; SharpFuzz instruments the assemblies it loads.
    AFL_SKIP_BIN_CHECK                     = '1'
    # Containers and shared machines: no CPU governor to read, crashes not piped to a core handler,
    # no core to bind to, no curses screen (status lines instead), quick calibration of slow starts.
    AFL_SKIP_CPUFREQ                       = '1'
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES  = '1'
    AFL_NO_AFFINITY                        = '1'
    AFL_NO_UI                              = '1'
    AFL_FAST_CAL                           = '1'
    DOTNET_CLI_TELEMETRY_OPTOUT            = '1'
    DOTNET_NOLOGO                          = '1'
}
foreach ($name in $environment.Keys) { $start.Environment[$name] = $environment[$name] }
$start.UseShellExecute = $false

$instance = Join-Path $findings 'default'
$statsPath = Join-Path $instance 'fuzzer_stats'
Write-Host "Fuzzing the page reader for $Minutes minute(s): findings in $findings, afl-fuzz's output in $log"
$afl = [Diagnostics.Process]::Start($start)
try {
    # afl-fuzz stops itself after -V seconds; one stuck before fuzzing (calibration) is ended here.
    $deadline = [DateTime]::UtcNow.AddMinutes($Minutes + 5)
    $began = [DateTime]::UtcNow
    while (-not $afl.WaitForExit(60000)) {
        if ([DateTime]::UtcNow -gt $deadline) {
            Write-Warning "afl-fuzz did not stop within $($Minutes + 5) minutes: ending it."
            $afl.Kill($true)
            $afl.WaitForExit()
            break
        }
        # Progress from afl-fuzz's latest status line (its stats files are written only once a minute).
        $status = Get-Content -LiteralPath $log -Tail 20 -ErrorAction SilentlyContinue | Select-String '\((\d+) total, (\d+) crashes saved' | Select-Object -Last 1
        if ($status) {
            Write-Host ("  {0:0} min: {1} paths, {2} crashes so far" -f ([DateTime]::UtcNow - $began).TotalMinutes, $status.Matches[0].Groups[1].Value, $status.Matches[0].Groups[2].Value)
        }
    }
    $aflExitCode = $afl.ExitCode
}
finally { $afl.Dispose() }

$stats = Read-FuzzerStats $statsPath
$inputs = @{}
foreach ($kind in 'crashes', 'hangs') {
    $folder = Join-Path $instance $kind
    $inputs[$kind] = @(if (Test-Path -LiteralPath $folder) { Get-ChildItem -LiteralPath $folder -File | Where-Object Name -ne 'README.txt' })
}

Write-Host ''
Write-Host '== Fuzzing summary =='
Write-Host ("Run time {0} s; {1} executions ({2}/s); {3} paths in the queue; {4} crashes, {5} hangs." -f
    (Get-Stat $stats 'run_time'), (Get-Stat $stats 'execs_done'), (Get-Stat $stats 'execs_per_sec'),
    (Get-Stat $stats 'corpus_count', 'paths_total'), $inputs['crashes'].Count, $inputs['hangs'].Count)
Write-Host "Findings: $instance"
foreach ($kind in 'crashes', 'hangs') {
    if ($inputs[$kind].Count -gt 0) {
        Write-Host "$($kind): $(Join-Path $instance $kind)"
        $inputs[$kind] | ForEach-Object { Write-Host "  $($_.Name)" }
    }
}

if ($inputs['crashes'].Count -gt 0 -or $inputs['hangs'].Count -gt 0) {
    Write-Host "Replay one with: dotnet $(Join-Path $bin 'CubePS.Fuzz.dll') <file>  (prints the exception and its stack)"
    Write-Host 'Once the bug is understood, copy the input to tests/fuzz/regressions/ under a name that says what it is.'
    exit 1
}
if ($aflExitCode -ne 0 -or -not $stats.Count) {
    Write-Host "afl-fuzz failed (exit code $aflExitCode). The end of $($log):"
    if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log -Tail 40 | ForEach-Object { Write-Host "  $_" } }
    exit 1
}
Write-Host 'No crashes or hangs.'
exit 0
