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

    It 'leaves the default connection as it was when <Mode> refuses Connect-Cube or Disconnect-Cube a write' -ForEach @(
        @{ Mode = 'pwsh -NonInteractive'; Interactive = $false }
        @{ Mode = 'an interactive pwsh whose input is at its end'; Interactive = $true }
    ) {
        # Connected to port A; a failed Connect-Cube to B, and a failed Disconnect-Cube, change nothing.
        $other = 'http://127.0.0.1:9/'
        $lines = Invoke-HostScript -Interactive:$Interactive -Script @"
`$token = ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force
Connect-Cube -BaseUri '$($sim.BaseUri)' -Token `$token
Test-Case 'Connect-Cube -Debug' { Connect-Cube -BaseUri '$other' -Token `$token -Debug -ErrorAction Stop }
"CASE after Connect-Cube => " + (Get-CubeConnection).BaseUri
Test-Case 'Connect-Cube -PassThru -Debug' { Connect-Cube -BaseUri '$other' -Token `$token -PassThru -Debug -ErrorAction Stop }
"CASE after Connect-Cube -PassThru => " + (Get-CubeConnection).BaseUri
Test-Case 'Disconnect-Cube -Debug' { Disconnect-Cube -Debug -ErrorAction Stop }
"CASE after Disconnect-Cube => " + (Get-CubeConnection).BaseUri + ' ' + (Get-CubeConnection).Source
"CASE still reads => " + @(Get-CubeCustomer 9).Count
Test-Case 'Disconnect-Cube' { Disconnect-Cube }
"CASE after a Disconnect-Cube that succeeds => " + (Get-CubeConnection).Source
"@
        $lines | Should -HaveCount 9
        $lines[0] | Should -Match '^CASE Connect-Cube -Debug => \S+,CubePS\.Commands\.ConnectCubeCommand \|'
        $lines[1] | Should -Be "CASE after Connect-Cube => $($sim.BaseUri)"
        $lines[2] | Should -Match '^CASE Connect-Cube -PassThru -Debug => \S+,CubePS\.Commands\.ConnectCubeCommand \|'
        $lines[3] | Should -Be "CASE after Connect-Cube -PassThru => $($sim.BaseUri)"
        $lines[4] | Should -Match '^CASE Disconnect-Cube -Debug => \S+,CubePS\.Commands\.DisconnectCubeCommand \|'
        $lines[5] | Should -Be "CASE after Disconnect-Cube => $($sim.BaseUri) Connect-Cube"
        $lines[6] | Should -Match '^CASE still reads => [1-9]'
        $lines[7] | Should -Be 'CASE Disconnect-Cube => ok'
        $lines[8] | Should -Be 'CASE after a Disconnect-Cube that succeeds => Environment'
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
        $run.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeUnsupportedRuntime,Microsoft.PowerShell.Commands.ImportModuleCommand'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        Get-Module CubePS | Where-Object ModuleBase -eq $copy | Should -BeNullOrEmpty
    }
}

Describe 'A second version of CubePS in one process' {
    BeforeAll {
        # Three installed versions: 0.2.0 (this build), 0.2.1 (the same build with assembly version
        # 0.2.1.0 written into its metadata), and 0.2.2 (another build, with 0.2.0's assembly version).
        $script:modules = Join-Path $temp 'versions'
        $base = Get-CubeModulePath
        $manifest = Get-Content -Raw -LiteralPath (Join-Path $base 'CubePS.psd1')
        $built = [regex]::Match($manifest, "ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value
        foreach ($version in '0.2.0', '0.2.1', '0.2.2') {
            $folder = Join-Path $modules "CubePS/$version"
            $null = New-Item -ItemType Directory -Path (Split-Path $folder) -Force
            Copy-Item -LiteralPath $base -Destination $folder -Recurse
            $manifest.Replace("ModuleVersion        = '$built'", "ModuleVersion        = '$version'") | Set-Content -LiteralPath (Join-Path $folder 'CubePS.psd1') -NoNewline
        }
        # The Assembly table's row: HashAlgId (4 bytes), then MajorVersion, MinorVersion, BuildNumber,
        # RevisionNumber (2 each); and the module's MVID in the GUID heap, as another build has another.
        function Set-OtherBuild([string] $Dll, [switch] $NextVersion) {
            $offset, $mvid = Use-Metadata $Dll {
                param($metadata)
                $extensions = [System.Reflection.Metadata.Ecma335.MetadataReaderExtensions]
                $extensions::GetTableMetadataOffset($metadata, [System.Reflection.Metadata.Ecma335.TableIndex]::Assembly)
                $guidIndex = [System.Reflection.Metadata.Ecma335.MetadataTokens]::GetHeapOffset([System.Reflection.Metadata.GuidHandle]$metadata.GetModuleDefinition().Mvid)
                $extensions::GetHeapMetadataOffset($metadata, [System.Reflection.Metadata.Ecma335.HeapIndex]::Guid) + ($guidIndex - 1) * 16
            }
            $stream = [IO.File]::OpenRead($Dll)
            try { $metadataStart = [System.Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders.MetadataStartOffset }
            finally { $stream.Dispose() }
            $bytes = [IO.File]::ReadAllBytes($Dll)
            if ($NextVersion) { $bytes[$metadataStart + $offset + 4 + 4] = 1 }
            $bytes[$metadataStart + $mvid] = $bytes[$metadataStart + $mvid] -bxor 0xFF
            [IO.File]::WriteAllBytes($Dll, $bytes)
        }
        # 0.2.1: another build with assembly version 0.2.1.0; 0.2.2: another build with the same
        # assembly version as 0.2.0 (another MVID), as a build that forgot to change the version.
        Set-OtherBuild (Join-Path $modules 'CubePS/0.2.1/CubePS.dll') -NextVersion
        Set-OtherBuild (Join-Path $modules 'CubePS/0.2.2/CubePS.dll')
        # The same build reached another way: 0.2.0 through a symbolic link, and an identical copy of it.
        $script:link = Join-Path $temp 'link/CubePS'
        $null = New-Item -ItemType Directory -Path (Split-Path $link)
        $null = New-Item -ItemType SymbolicLink -Path $link -Target (Join-Path $modules 'CubePS/0.2.0')
        $script:copy = Join-Path $temp 'copy/CubePS'
        $null = New-Item -ItemType Directory -Path (Split-Path $copy)
        Copy-Item -LiteralPath (Join-Path $modules 'CubePS/0.2.0') -Destination $copy -Recurse

        function Invoke-SideBySide([string] $First, [string] $Second, [string] $LanguageMode = 'FullLanguage') {
            $script = @"
`$ExecutionContext.SessionState.LanguageMode = '$LanguageMode'
`$env:PSModulePath = '$modules'
Import-Module CubePS -RequiredVersion $First
try { `$second = Import-Module CubePS -RequiredVersion $Second -PassThru -ErrorVariable failed } catch { `$caught = `$_ }
'RETURNED:' + `$second.Version
'ERRORS:' + `$failed.Count
'MESSAGE:' + (`$caught.Exception.Message -replace '\s+', ' ')
'ID:' + `$caught.FullyQualifiedErrorId
'CATEGORY:' + `$caught.CategoryInfo.Category
'TARGET:' + `$caught.TargetObject
'LISTED:' + ((Get-Module CubePS).Version -join ',')
if ('$LanguageMode' -eq 'FullLanguage') { 'RUNS:' + (Get-Command Get-CubeCustomer).ImplementingType.Assembly.GetName().Version + ' from ' + (Get-Command Get-CubeCustomer).Module.ModuleBase }
"@
            $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ NO_COLOR = '1' } -CaptureOutput
            $lines = @{}
            foreach ($line in $run.Output) { if ($line -match '^([A-Z]+):(.*)$') { $lines[$Matches[1]] = $Matches[2] } }
            return $lines
        }
    }

    It 'refuses <Second> after <First> with one clear error, and leaves <First> listed and running' -ForEach @(
        @{ First = '0.2.0'; Second = '0.2.1'; Assembly = '0.2.0.0'; Says = 'Assembly with same name is already loaded' }
        # .NET hands an older request the newer assembly already loaded.
        @{ First = '0.2.1'; Second = '0.2.0'; Assembly = '0.2.1.0'; Says = 'the CubePS.dll in this process is version 0.2.1.0' }
        @{ First = '0.2.0'; Second = '0.2.2'; Assembly = '0.2.0.0'; Says = 'Assembly with same name is already loaded' }
    ) {
        $result = Invoke-SideBySide $First $Second
        $result.RETURNED | Should -BeNullOrEmpty
        $result.ERRORS | Should -Be '1'
        $result.MESSAGE | Should -Match ([regex]::Escape($Says))
        $result.MESSAGE | Should -Match 'Another CubePS is already loaded in this process.*start a new PowerShell'
        $result.MESSAGE | Should -Not -Match 'no valid module'
        $result.ID | Should -Be 'CubeModuleVersionConflict,Microsoft.PowerShell.Commands.ImportModuleCommand'
        $result.CATEGORY | Should -Be 'ResourceExists'
        $result.TARGET | Should -Be (Join-Path $modules "CubePS/$Second")
        $result.LISTED | Should -Be $First
        $result.RUNS | Should -Be "$Assembly from $(Join-Path $modules "CubePS/$First")"
    }

    It 'refuses <Second> after <First> by the same id in ConstrainedLanguage' -ForEach @(
        @{ First = '0.2.0'; Second = '0.2.1' }
        @{ First = '0.2.1'; Second = '0.2.0' }
    ) {
        $result = Invoke-SideBySide $First $Second ConstrainedLanguage
        $result.RETURNED | Should -BeNullOrEmpty
        $result.ID | Should -Be 'CubeModuleVersionConflict,Microsoft.PowerShell.Commands.ImportModuleCommand'
        $result.CATEGORY | Should -Be 'ResourceExists'
        $result.MESSAGE | Should -Match 'Another CubePS is already loaded in this process'
        $result.MESSAGE | Should -Not -Match 'no valid module|Cannot create type'
        $result.LISTED | Should -Be $First
    }

    It 'imports the same build reached by <How>, also in ForEach-Object -Parallel, in <LanguageMode>' -ForEach @(
        @{ How = 'a symbolic link'; Path = 'link'; LanguageMode = 'FullLanguage' }
        @{ How = 'an identical copy'; Path = 'copy'; LanguageMode = 'FullLanguage' }
        @{ How = 'a symbolic link'; Path = 'link'; LanguageMode = 'ConstrainedLanguage' }
    ) {
        $other = if ($Path -eq 'link') { $link } else { $copy }
        $script = @"
`$ExecutionContext.SessionState.LanguageMode = '$LanguageMode'
Import-Module '$(Join-Path $modules 'CubePS/0.2.0/CubePS.psd1')' -ErrorAction Stop
Import-Module '$other' -ErrorAction Stop
'PARALLEL:' + ((1, 2 | ForEach-Object -Parallel { Import-Module '$other' -ErrorAction Stop; (Get-Command Get-CubeCustomer).Name }) -join ',')
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ NO_COLOR = '1' } -CaptureOutput
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Contain 'PARALLEL:Get-CubeCustomer,Get-CubeCustomer'
    }

    It 'still imports the same version again, with -Force and after Remove-Module' {
        $script = @"
`$env:PSModulePath = '$modules'
Import-Module CubePS -RequiredVersion 0.2.0
Import-Module CubePS -RequiredVersion 0.2.0 -Force -ErrorAction Stop
Remove-Module CubePS
Import-Module CubePS -RequiredVersion 0.2.0 -ErrorAction Stop
'LISTED:' + ((Get-Module CubePS).Version -join ',')
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ NO_COLOR = '1' } -CaptureOutput
        $run.Error | Should -BeNullOrEmpty
        $run.Output | Should -Contain 'LISTED:0.2.0'
    }
}
