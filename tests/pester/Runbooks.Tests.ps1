# README's runbooks, run as README.md writes them (each block is read from README.md itself, so
# this breaks when the README drifts), in a fresh pwsh -NonInteractive against a simulator of
# their own: records without an 'updated' date, an assignment that keeps changing while it is
# read, and Cube killed in the middle of the run.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    function Get-ReadmeBlock {
        <# The one ```powershell block of README.md that matches $Pattern. #>
        param([Parameter(Mandatory)][string] $Pattern)
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../README.md')
        $blocks = @([regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value } | Where-Object { $_ -match $Pattern })
        if ($blocks.Count -ne 1) { throw "README.md has $($blocks.Count) powershell blocks that match '$Pattern', not one." }
        return $blocks[0]
    }

    function Invoke-Runbook {
        <#
        Runs $Block as a script in a fresh pwsh -NonInteractive, as a runbook host would: CUBE_BASE_URI
        and CUBE_TOKEN set, the module imported, and drive C: mapped to this test's folder so that
        README's C:\Jobs and C:\Exports paths work as written. Returns the exit code and output.
        #>
        param([Parameter(Mandatory)][string] $Block, [string] $BaseUri = $script:sim.BaseUri, [string] $Prologue = '', [switch] $NoWait,
            [ValidateSet('FullLanguage', 'ConstrainedLanguage')][string] $LanguageMode = 'FullLanguage')
        $file = Join-Path $script:root ("runbook-" + [guid]::NewGuid().ToString('N') + '.ps1')
        @"
`$env:CUBE_BASE_URI = '$BaseUri'
`$env:CUBE_TOKEN = '$($script:sim.Token)'
# An AppLocker or WDAC host: the module is imported, and the runbook runs, in this language mode.
`$ExecutionContext.SessionState.LanguageMode = '$LanguageMode'
if (`$ExecutionContext.SessionState.LanguageMode -ne '$LanguageMode') { throw 'not in $LanguageMode' }
Import-Module '$(Get-CubeModulePath)'
`$null = New-PSDrive -Name C -PSProvider FileSystem -Root '$($script:drive)' -Scope Global
$Prologue
$Block
"@ | Set-Content -LiteralPath $file
        if ($NoWait) { return Start-PwshProcess -ArgumentList '-File', $file -Environment @{ NO_COLOR = '1' } -RedirectOutput }
        $result = Invoke-PwshProcess -ArgumentList '-File', $file -Environment @{ NO_COLOR = '1' } -CaptureOutput
        Remove-Item -LiteralPath $file
        return $result
    }

    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-runbooks-" + [guid]::NewGuid().ToString('N'))
    $script:drive = Join-Path $root 'C'
    $null = New-Item -ItemType Directory -Path "$drive/Jobs", "$drive/Exports"
    # A simulator of this file's own: it is set up as the runbooks' Cube, and killed.
    $script:sim = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath)
    $script:nightly = Get-ReadmeBlock '(?m)^\$state = .*\r?\n(?s:.*)Export-CubeCustomer'
    $script:loop = Get-ReadmeBlock 'Windows PowerShell 5\.1 runbook'
    $script:state = "$drive/Jobs/cube-last-run.txt"

    # Assignment 9 as Cube often has it: some customers without an 'updated' date.
    $script:b2b = @(
        [ordered]@{ customer_id = 1; name = 'Changed'; updated = '2024-03-05' }
        [ordered]@{ customer_id = 2; name = 'Old'; updated = '2020-01-01' }
        [ordered]@{ customer_id = 3; name = 'No date'; updated = $null }
        [ordered]@{ customer_id = 4; name = 'Empty date'; updated = '' }
    )
    function Get-SimulatorStatsOf($Simulator) { Invoke-RestMethod -Uri ($Simulator.BaseUri + '_sim/stats') }

    function Reset-RunbookCube {
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 9 -Setup @{ kind = 'custom'; customRecords = $b2b }
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'b2c' }
    }
}

AfterAll {
    if ($sim.Process -and -not $sim.Process.HasExited) { Stop-CubeSimulator $sim }
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe "README's nightly job" {
    BeforeEach {
        Reset-RunbookCube
        Remove-Item -Path "$drive/Exports/*", $state -ErrorAction SilentlyContinue
    }

    It 'succeeds when customers have no updated date: it exports them and advances its state, night after night, in <LanguageMode>' -ForEach @(
        @{ LanguageMode = 'FullLanguage' }, @{ LanguageMode = 'ConstrainedLanguage' }
    ) {
        $run = Invoke-Runbook $nightly -LanguageMode $LanguageMode
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $files = @(Get-ChildItem "$drive/Exports" -Filter 'cube-*.csv')
        $files.Count | Should -Be 1
        $rows = @(Import-Csv -LiteralPath $files[0].FullName -Delimiter ';' -Encoding utf8)
        ($rows.customer_id | Sort-Object) | Should -Be @('1', '2', '3', '3100001', '3100002', '3100003', '3100004', '4') -Because 'a first run exports every customer'
        $state | Should -Exist
        $first = [datetimeoffset](Get-Content -LiteralPath $state)

        # The next night: only what changed since, and the customers without a date (with a warning only).
        Start-Sleep -Milliseconds 1100
        $run = Invoke-Runbook $nightly -LanguageMode $LanguageMode
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $newest = Get-ChildItem "$drive/Exports" -Filter 'cube-*.csv' | Sort-Object Name | Select-Object -Last 1
        $rows = @(Import-Csv -LiteralPath $newest.FullName -Delimiter ';' -Encoding utf8)
        ($rows.customer_id | Sort-Object) | Should -Be @('3', '4')
        ([datetimeoffset](Get-Content -LiteralPath $state)) | Should -BeGreaterThan $first
    }

    It 'fails when an assignment keeps changing while it is read, and leaves no file and the state as it was' {
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'shift'; afterPage = 1; delta = 1; repeat = $true }) }
        '2024-03-01T16:00:00.0000000+00:00' | Set-Content -LiteralPath $state
        $run = Invoke-Runbook $nightly
        $run.ExitCode | Should -Not -Be 0
        $run.Error + $run.Output -join "`n" | Should -Match 'Assignment 12 kept changing'
        @(Get-ChildItem "$drive/Exports").Count | Should -Be 0
        Get-Content -LiteralPath $state | Should -Be '2024-03-01T16:00:00.0000000+00:00'
    }

    It 'fails when Cube is killed in the middle of the run, and leaves the older files and the state as they were' {
        'older export' | Set-Content -LiteralPath "$drive/Exports/cube-older.csv"
        '2024-03-01T16:00:00.0000000+00:00' | Set-Content -LiteralPath $state
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'synthetic'; records = 400; pageSize = 20; latencyMs = 300 }
        # Retries as fast as they go, so the dead Cube is given up on in seconds: the runbook's
        # text is as README has it, only its host's defaults differ.
        $process = Invoke-Runbook $nightly -NoWait -Prologue "`$PSDefaultParameterValues['Export-CubeCustomer:RetryIntervalSec'] = 0"
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ((Get-SimulatorStatsOf $sim).byAssignment.'12' -lt 3 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $sim.Process.Kill()
            $output = $process.StandardOutput.ReadToEndAsync()
            $errors = $process.StandardError.ReadToEnd()
            $process.WaitForExit()
            $process.ExitCode | Should -Not -Be 0
            $errors + $output.Result | Should -Match 'CubeConnectionFailed|could not be reached|connection'
        }
        finally {
            $process.Dispose()
            $script:sim = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath)
        }
        @(Get-ChildItem "$drive/Exports").Name | Should -Be @('cube-older.csv')
        Get-Content -LiteralPath "$drive/Exports/cube-older.csv" | Should -Be 'older export'
        Get-Content -LiteralPath $state | Should -Be '2024-03-01T16:00:00.0000000+00:00'
    }
}

Describe "README's Windows PowerShell 5.1 runbook loop" {
    BeforeEach {
        Reset-RunbookCube
        Remove-Item -Path "$drive/Exports/*" -ErrorAction SilentlyContinue
    }

    It 'writes one file per assignment' {
        $run = Invoke-Runbook $loop -LanguageMode ConstrainedLanguage
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        @(Get-ChildItem "$drive/Exports").Name | Sort-Object | Should -Be @('cube-12.csv', 'cube-20.csv', 'cube-9.csv')
        @(Import-Csv "$drive/Exports/cube-20.csv" -Delimiter ';').Count | Should -Be 1234
    }

    It 'goes on past a failed assignment, keeps its older file, and fails the run at the end' {
        'older' | Set-Content -LiteralPath "$drive/Exports/cube-12.csv"
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'b2c'; forbidden = $true }
        $run = Invoke-Runbook $loop -LanguageMode ConstrainedLanguage
        $run.ExitCode | Should -Not -Be 0
        $run.Output -join "`n" | Should -Match 'Assignment 12 failed: CubeAssignmentForbidden'
        $run.Error | Should -Match '1 of the assignments failed'
        Get-Content "$drive/Exports/cube-12.csv" | Should -Be 'older'
        @(Import-Csv "$drive/Exports/cube-20.csv" -Delimiter ';').Count | Should -Be 1234
        "$drive/Exports/cube-9.csv" | Should -Exist
    }
}

Describe '-RequireCompleteRead: "the data may be incomplete" apart from warnings that only inform' {
    BeforeAll {
        Import-Module (Get-CubeModulePath) -Force
        Reset-RunbookCube
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'shift'; afterPage = 1; delta = 1; repeat = $true }) }
        $script:connection = Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString $sim.Token -AsPlainText -Force) -PassThru
    }

    AfterAll { Disconnect-Cube }

    It 'fails only the assignment that kept changing, with CubeIncompleteRead, and keeps none of its customers' {
        $call = Invoke-CapturedCall { Get-CubeCustomer 9, 12 -UpdatedSince '2024-01-01' -RequireCompleteRead -Connection $connection }
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeIncompleteRead,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $call.Errors[0].TargetObject | Should -Be 12
        $call.Errors[0].Exception.Message | Should -Match 'Assignment 12 kept changing while it was read'
        ($call.Output.customer_id | Sort-Object) | Should -Be @(1, 3, 4) -Because "assignment 9's changed and undated customers are kept, assignment 12's none"
        # The undated customers are still a warning, and only a warning.
        $call.Warnings | Should -HaveCount 1
        $call.Warnings[0] | Should -Match "no date in 'updated'"
    }

    It 'keeps the last read with a warning without it, as before' {
        $call = Invoke-CapturedCall { Get-CubeCustomer 12 -Connection $connection }
        $call.Errors | Should -HaveCount 0
        $call.Warnings[0] | Should -Match 'Assignment 12 kept changing'
        $call.Output.Count | Should -BeGreaterThan 25
    }

    It 'stops a call with -ErrorAction Stop before Export-CubeCustomer touches the file' {
        $target = "$drive/Exports/incomplete.csv"
        { Export-CubeCustomer 9, 12 $target -RequireCompleteRead -Connection $connection -ErrorAction Stop } | Should -Throw -ErrorId 'CubeIncompleteRead,CubePS.Commands.ExportCubeCustomerCommand'
        $target | Should -Not -Exist
    }
}

Describe "README's incremental cut-off in every time zone" {
    BeforeAll {
        # Kept: 1 (changed after the cut-off), 3 (a date that is the cut-off's day somewhere);
        # dropped: 2 (an instant before it), 4 (a date before it everywhere).
        $script:zoned = New-SimulatorAssignment @{ kind = 'custom'; customRecords = @(
                [ordered]@{ customer_id = 1; updated = '2024-03-02T10:00:00Z' }
                [ordered]@{ customer_id = 2; updated = '2024-03-01T09:00:00Z' }
                [ordered]@{ customer_id = 3; updated = '2024-03-01' }
                [ordered]@{ customer_id = 4; updated = '2024-02-29' }
            ) }
        # README's own line that reads the state back, and the [datetime] older scripts use.
        $script:readState = [regex]::Match($nightly, '(?m)^\$since = .*$').Value
    }

    It 'keeps the same customers on a host in <Zone>' -ForEach @(
        @{ Zone = 'UTC' }, @{ Zone = 'Europe/Oslo' }, @{ Zone = 'Asia/Shanghai' }, @{ Zone = 'Pacific/Kiritimati' }, @{ Zone = 'Etc/GMT+12' }
    ) {
        $readState | Should -Match '^\$since = '
        $stateFile = Join-Path $root "state-$($Zone -replace '\W', '-').txt"
        '2024-03-01T16:00:00Z' | Set-Content -LiteralPath $stateFile
        $shared = (Get-CubeSimulator)
        $script = @"
Import-Module '$(Get-CubeModulePath)'
`$connection = Connect-Cube -BaseUri '$($shared.BaseUri)' -Token (ConvertTo-SecureString '$($shared.Token)' -AsPlainText -Force) -PassThru
`$state = '$stateFile'
$readState
'README:' + ((Get-CubeCustomer $zoned -UpdatedSince `$since -Connection `$connection).customer_id -join ',')
'DATETIME:' + ((Get-CubeCustomer $zoned -UpdatedSince ([datetime](Get-Content `$state)) -Connection `$connection).customer_id -join ',')
'OFFSET:' + ((Get-CubeCustomer $zoned -UpdatedSince ([datetimeoffset]'2024-03-02T00:00:00+08:00') -Connection `$connection).customer_id -join ',')
'LOCAL:' + ([datetime](Get-Content `$state)).ToString('yyyy-MM-dd HH:mm')
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ TZ = $Zone; NO_COLOR = '1' } -CaptureOutput
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Output | Should -Contain 'README:1,3'
        $run.Output | Should -Contain 'DATETIME:1,3'
        $run.Output | Should -Contain 'OFFSET:1,3'
        if ($Zone -eq 'Asia/Shanghai') { $run.Output | Should -Contain 'LOCAL:2024-03-02 00:00' -Because 'there the cut-off is local midnight' }
    }
}

Describe "README's examples" {
    BeforeDiscovery {
        # Every powershell block of README.md that needs no account, typed secret, vault, Azure
        # Automation or Gallery (those name acme or prompt), and is not one of the runbooks above.
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../README.md')
        $script:examples = @([regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object {
                $block = $_.Groups[1].Value
                $line = ($readme.Substring(0, $_.Index) -split "`n").Count
                # (The side-by-side block needs two installed versions; LockedDownHost imports a version by its folder in -Parallel.)
                if ($block -notmatch 'Connect-Cube|Read-Host|Get-Secret|Get-Automation|Install-PSResource|\$state = |Windows PowerShell 5\.1 runbook|\$using:cube') {
                    @{ Line = $line; Block = $block }
                }
            })
    }

    It 'has the examples this test runs' {
        $examples.Count | Should -BeGreaterOrEqual 6
    }

    It 'runs the block at README.md line <Line> as written, without an error' -ForEach $examples {
        # The simulator's own assignments, as README's examples know them (9 holds customer 2488539).
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 9 -Setup @{ kind = 'b2b' }
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup @{ kind = 'b2c' }
        $folder = Join-Path $root ("example-$Line")
        $null = New-Item -ItemType Directory -Path $folder
        # What the examples assume is at hand: a file of assignments, one of wanted customers, and earlier results.
        "assignment_id`n9`n12" | Set-Content -LiteralPath "$folder/assignments.csv"
        "assignment_id,customer_id`n9,2488539`n12,3100001" | Set-Content -LiteralPath "$folder/wanted.csv"
        $run = Invoke-Runbook -Block $Block -LanguageMode ConstrainedLanguage -Prologue "Set-Location '$folder'; `$ErrorActionPreference = 'Stop'; `$old = Get-CubeCustomer 12"
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $run.Error | Should -BeNullOrEmpty
    }
}

Describe "help's examples" {
    BeforeDiscovery {
        # Every example of the help sources, as Get-Help shows it; those that need an account,
        # a typed secret, a vault or Azure Automation (they name acme or prompt) are left out.
        $script:helpExamples = @(foreach ($file in Get-ChildItem (Join-Path $PSScriptRoot '../../src/CubePS/help') -Filter '*.md') {
                $text = Get-Content -Raw -LiteralPath $file.FullName
                foreach ($match in [regex]::Matches($text, '(?ms)^### (Example \d+[^\r\n]*)\r?\n```powershell\r?\n(.*?)^```')) {
                    $block = $match.Groups[2].Value
                    if ($block -notmatch 'acme|Read-Host|Get-Secret|Get-Automation|Get-Credential|cube\.example') {
                        @{ Command = $file.BaseName; Title = $match.Groups[1].Value; Block = $block; Nightly = $block -match '(?m)^\$state = ' }
                    }
                }
            })
    }

    BeforeEach {
        Reset-RunbookCube
        Remove-Item -Path "$drive/Exports/*", $state -ErrorAction SilentlyContinue
    }

    It 'has the nightly runbooks of Get-CubeCustomer and Export-CubeCustomer among them' {
        @($helpExamples | Where-Object Nightly | ForEach-Object Command | Sort-Object) | Should -Be @('Export-CubeCustomer', 'Get-CubeCustomer')
    }

    It '<Command> <Title> runs as written in ConstrainedLanguage' -ForEach ($helpExamples | Where-Object { -not $_.Nightly }) {
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 9 -Setup @{ kind = 'b2b' }
        $folder = Join-Path $root ("help-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $folder
        "assignment_id`n9`n12" | Set-Content -LiteralPath "$folder/assignments.csv"
        "assignment_id,customer_id`n9,2488539`n12,3100001" | Set-Content -LiteralPath "$folder/wanted.csv", "$folder/changed.csv"
        $run = Invoke-Runbook -Block $Block -LanguageMode ConstrainedLanguage -Prologue "Set-Location '$folder'; `$ErrorActionPreference = 'Stop'"
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $run.Error | Should -BeNullOrEmpty
    }

    It "<Command>'s nightly runbook advances its state night after night in ConstrainedLanguage" -ForEach ($helpExamples | Where-Object Nightly) {
        $run = Invoke-Runbook $Block -LanguageMode ConstrainedLanguage
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $first = [datetimeoffset](Get-Content -LiteralPath $state)
        Start-Sleep -Milliseconds 1100
        $run = Invoke-Runbook $Block -LanguageMode ConstrainedLanguage
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        ([datetimeoffset](Get-Content -LiteralPath $state)) | Should -BeGreaterThan $first
        $newest = Get-ChildItem "$drive/Exports" | Sort-Object Name | Select-Object -Last 1
        (Get-Content -Raw -LiteralPath $newest.FullName) | Should -Match '"?3"?' -Because 'the customers without a date are exported on night 2 too'
    }

    It "<Command>'s nightly runbook fails when an assignment keeps changing, and leaves the state as it was" -ForEach ($helpExamples | Where-Object Nightly) {
        $shifting = @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'shift'; afterPage = 1; delta = 1; repeat = $true }) }
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 9 -Setup $shifting
        Set-CubeSimulatorAssignment -BaseUri $sim.BaseUri -Id 12 -Setup $shifting
        '2024-03-01T16:00:00.0000000+00:00' | Set-Content -LiteralPath $state
        $run = Invoke-Runbook $Block
        $run.ExitCode | Should -Not -Be 0
        $run.Error + $run.Output -join "`n" | Should -Match 'kept changing'
        Get-Content -LiteralPath $state | Should -Be '2024-03-01T16:00:00.0000000+00:00'
    }
}
