# CubePS in hosts that cannot do everything an interactive console can: no prompts
# (pwsh -NonInteractive, input at its end), ConstrainedLanguage, a second version in one process.
# A refusal of the host is the host's own error, as PowerShell's own cmdlets report it, never
# CubeUnexpectedError ("a bug in CubePS").

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:sim = Get-CubeSimulator
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-host-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $temp
    # One record without an 'updated' date: -UpdatedSince keeps it and warns.
    $script:undated = New-SimulatorAssignment @{ kind = 'custom'; customRecords = @(
            [ordered]@{ customer_id = 1; name = 'Dated'; updated = '2024-03-01' }
            [ordered]@{ customer_id = 2; name = 'Undated'; updated = $null }
        ) }

    function Invoke-HostScript {
        <# Runs $Script in a fresh pwsh whose input is at its end; returns its output lines. #>
        param([Parameter(Mandatory)][string] $Script, [switch] $Interactive)
        $prologue = @"
Set-Location '$temp'
Import-Module '$(Get-CubeModulePath)'
`$env:CUBE_BASE_URI = '$($sim.BaseUri)'
`$env:CUBE_TOKEN = '$($sim.Token)'
function Test-Case([string] `$Name, [scriptblock] `$Call) {
    try { & `$Call *> `$null; "CASE `$Name => ok" }
    catch { "CASE `$Name => " + `$_.FullyQualifiedErrorId + ' | ' + `$_.Exception.GetType().FullName }
}
"@
        $process = Start-PwshProcess -ArgumentList '-Command', ($prologue + "`n" + $Script) -Environment @{ NO_COLOR = '1' } -Interactive:$Interactive -RedirectInput -RedirectOutput
        try {
            $process.StandardInput.Close()
            $stderr = $process.StandardError.ReadToEndAsync()
            $output = $process.StandardOutput.ReadToEnd()
            $process.WaitForExit()
            $null = $stderr.Result
            # A prompt leaves no line break before what follows it: take each case from where it starts.
            return @([regex]::Matches($output, 'CASE [^\r\n]*') | ForEach-Object Value)
        }
        finally { $process.Dispose() }
    }
}

AfterAll {
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
    Remove-SimulatorAssignment -Id $undated
}

Describe 'A host that cannot prompt' {
    BeforeAll {
        # Every CubePS cmdlet and every stream that can make PowerShell ask: -Debug (Debug and
        # Verbose ask), -WarningAction Inquire, -ErrorAction Inquire, -Confirm. Invoke-RestMethod
        # -Debug is PowerShell's own cmdlet failing the same way on the same host.
        $script:cases = @"
Test-Case 'PowerShell' { Invoke-RestMethod '$($sim.BaseUri)crm/assignment_id/9/customers' -Headers @{ Authorization = 'Token $($sim.Token)' } -Debug }
Test-Case 'Get-CubeCustomer -Debug' { Get-CubeCustomer 9 -Debug }
Test-Case 'Export-CubeCustomer -Debug' { Export-CubeCustomer 9 debug.csv -Debug }
Test-Case 'Test-CubeConnection -Debug' { Test-CubeConnection 9 -Debug }
Test-Case 'Connect-Cube -Debug' { Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force) -Validate -AssignmentId 9 -Debug }
Test-Case 'Get-CubeCustomer -WarningAction Inquire' { Get-CubeCustomer $undated -UpdatedSince '2024-01-01' -WarningAction Inquire }
Test-Case 'Export-CubeCustomer -WarningAction Inquire' { Export-CubeCustomer $undated inquire.csv -UpdatedSince '2024-01-01' -WarningAction Inquire }
Test-Case 'Get-CubeCustomer -ErrorAction Inquire' { Get-CubeCustomer 77 -ErrorAction Inquire }
Test-Case 'Export-CubeCustomer -Confirm' { Export-CubeCustomer 9 confirm.csv -Confirm }
"@
    }

    It 'reports <Mode> as PowerShell does for its own cmdlets, never as a CubePS bug' -ForEach @(
        @{ Mode = 'pwsh -NonInteractive'; Interactive = $false }
        @{ Mode = 'an interactive pwsh whose input is at its end'; Interactive = $true }
    ) {
        $lines = Invoke-HostScript -Script $cases -Interactive:$Interactive
        $lines.Count | Should -Be 9
        $lines -join "`n" | Should -Not -Match 'CubeUnexpectedError'
        # PowerShell's own failure on this host: its exception type is the one every case must show.
        $own = [regex]::Match($lines[0], '^CASE PowerShell => \S+? \| (\S+)$').Groups[1].Value
        $own | Should -BeIn @('System.Management.Automation.PSInvalidOperationException', 'System.NullReferenceException')
        foreach ($line in $lines | Select-Object -Skip 1) {
            $line | Should -Match ("\| " + [regex]::Escape($own) + '$')
            $line | Should -Match ',CubePS\.Commands\.'
        }
        "$temp/debug.csv", "$temp/inquire.csv", "$temp/confirm.csv" | Should -Not -Exist
    }
}

Describe 'ConstrainedLanguage (AppLocker, WDAC)' {
    BeforeAll {
        function Invoke-Constrained {
            <# Runs $Script in a runspace of this process whose language mode is ConstrainedLanguage. #>
            param([Parameter(Mandatory)][string] $Script)
            $state = [initialsessionstate]::CreateDefault2()
            $state.LanguageMode = 'ConstrainedLanguage'
            $runspace = [runspacefactory]::CreateRunspace($state)
            $runspace.Open()
            $shell = [powershell]::Create()
            try {
                $shell.Runspace = $runspace
                $output = $shell.AddScript($Script).Invoke()
                return [pscustomobject]@{ Output = @($output); Errors = @($shell.Streams.Error) }
            }
            finally {
                $shell.Dispose()
                $runspace.Dispose()
            }
        }
    }

    It 'imports the module and shows every column of its views' {
        $run = Invoke-Constrained @"
`$ExecutionContext.SessionState.LanguageMode
Import-Module '$(Get-CubeModulePath)' -ErrorAction Stop
`$connection = Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force) -PassThru
Export-CubeCustomer 12 '$temp/clm.csv' -PassThru -Connection `$connection | Format-Table | Out-String -Width 200
Test-CubeConnection 9 -Connection `$connection | Format-List | Out-String -Width 200
"@
        $run.Errors | Should -BeNullOrEmpty
        $run.Output[0] | Should -Be 'ConstrainedLanguage'
        $size = (Get-Item "$temp/clm.csv").Length
        # The ExportResult view: Size in whole KB, rounded up (under 1 MB).
        $run.Output[1] | Should -Match ("Csv\s+4\s+\d+\s+" + [regex]::Escape(('{0:N0} KB' -f [math]::Ceiling($size / 1KB))) + '\s+\d')
        $run.Output[2] | Should -Match 'Latency\s+: \d+ ms'
        $run.Output[2] | Should -Match 'Authenticated\s+: True'
    }

    It "gives the root module's own message for a runtime it does not support, not ConstrainedLanguage's refusal" {
        # A copy of the module whose runtime check sees .NET 6 (PowerShell 7.2): the guard itself runs as shipped.
        $copy = Join-Path $temp 'old-runtime/CubePS'
        $null = New-Item -ItemType Directory -Path (Split-Path $copy)
        Copy-Item -LiteralPath (Get-CubeModulePath) -Destination $copy -Recurse
        $psm1 = Join-Path $copy 'CubePS.psm1'
        $text = Get-Content -Raw -LiteralPath $psm1
        $text.Contains('-RuntimeVersion ([Environment]::Version)') | Should -BeTrue
        $text.Replace('-RuntimeVersion ([Environment]::Version)', "-RuntimeVersion ([version]'6.0.36')") | Set-Content -LiteralPath $psm1 -NoNewline
        $run = Invoke-Constrained "Import-Module '$copy'"
        $run.Errors.Count | Should -Be 1 -Because 'one error says it all'
        $run.Errors[0].Exception.Message | Should -Match '^CubePS needs PowerShell 7\.4 or later .* on \.NET 6\.0\.36'
        $run.Errors[0].Exception.Message | Should -Not -Match 'Cannot create type'
        Get-Module CubePS | Where-Object ModuleBase -eq $copy | Should -BeNullOrEmpty
    }
}
