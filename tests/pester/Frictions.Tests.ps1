# What a new admin trips over: Get-Help -Online, the system's proxy, Connect-Cube that replaces the
# default, the demo's output in a file, and where 'dotnet pwsh' works.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-frictions-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $temp
}

AfterAll {
    Disconnect-Cube
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-Help -Online' {
    It 'opens the help source of <Name> in the repository the manifest names' -ForEach @(
        @{ Name = 'Connect-Cube' }, @{ Name = 'Disconnect-Cube' }, @{ Name = 'Export-CubeCustomer' }
        @{ Name = 'Get-CubeConnection' }, @{ Name = 'Get-CubeCustomer' }, @{ Name = 'Test-CubeConnection' }
    ) {
        $project = (Import-PowerShellDataFile (Join-Path (Get-CubeModulePath) 'CubePS.psd1')).PrivateData.PSData.ProjectUri
        $uri = (Get-Command $Name).HelpUri
        $uri | Should -Be "$project/blob/main/src/CubePS/help/$Name.md"
        Join-Path $root "src/CubePS/help/$Name.md" | Should -Exist

        # A browser that writes down what it was asked to open (xdg-open is what PowerShell starts on Linux).
        $bin = Join-Path $temp "browser-$Name"
        $null = New-Item -ItemType Directory -Path $bin
        $opened = Join-Path $bin 'opened.txt'
        "#!/bin/sh`necho `"`$1`" > '$opened'`n" | Set-Content -LiteralPath "$bin/xdg-open" -NoNewline
        chmod +x "$bin/xdg-open"
        $run = Invoke-PwshProcess -ArgumentList '-Command', "Import-Module '$(Get-CubeModulePath)'; Get-Help $Name -Online" -Environment @{ PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH" } -CaptureOutput
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (-not (Test-Path $opened) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Get-Content $opened) | Should -Be $uri
    }
}

Describe "The system's proxy" {
    It 'is shown by Get-CubeConnection, without its user info, and not when NO_PROXY exempts Cube' {
        $script = @"
Import-Module '$(Get-CubeModulePath)'
Connect-Cube -Account acme -Token (ConvertTo-SecureString 'a-token-1234' -AsPlainText -Force)
'SYSTEM:' + (Get-CubeConnection).SystemProxy
Get-CubeConnection | Format-List | Out-String -Width 200
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTPS_PROXY = 'http://proxyuser:proxy-pw@127.0.0.1:9'; NO_PROXY = '' } -CaptureOutput
        $run.Output | Should -Contain 'SYSTEM:http://127.0.0.1:9/'
        ($run.Output -join "`n") | Should -Match "Proxy\s+: http://127\.0\.0\.1:9/ \(the system's"
        ($run.Output -join "`n") | Should -Not -Match 'proxy-pw|proxyuser'

        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTPS_PROXY = 'http://127.0.0.1:9'; NO_PROXY = 'acme.headshed.com' } -CaptureOutput
        $run.Output | Should -Contain 'SYSTEM:'
    }

    It 'is named when Cube cannot be reached through it' {
        # Nothing listens on port 9 (discard): the proxy refuses the connection.
        $script = @"
Import-Module '$(Get-CubeModulePath)'
Connect-Cube -Account acme -Token (ConvertTo-SecureString 'a-token-1234' -AsPlainText -Force)
try { Get-CubeCustomer 9 -MaximumRetryCount 0 -ErrorAction Stop } catch { 'ERROR:' + `$_.FullyQualifiedErrorId + ':' + `$_.Exception.Message }
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTPS_PROXY = 'http://127.0.0.1:9'; NO_PROXY = '' } -CaptureOutput
        $line = $run.Output | Where-Object { $_ -like 'ERROR:*' }
        $line | Should -Match '^ERROR:CubeConnectionFailed'
        $line | Should -Match ([regex]::Escape("Could not reach Cube at https://acme.headshed.com through the system's proxy http://127.0.0.1:9:"))
    }

    It 'is named in the error when it refuses to pass a request on' {
        # The simulator is also a proxy that wants credentials of its own (407).
        $script = @"
Import-Module '$(Get-CubeModulePath)'
`$connection = Connect-Cube -BaseUri 'http://cube.example.test/' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force) -AllowUnencryptedAuthentication -PassThru
try { Get-CubeCustomer 9 -Connection `$connection -ErrorAction Stop } catch { 'ERROR:' + `$_.FullyQualifiedErrorId + ':' + `$_.Exception.Message }
"@
        $proxy = ([uri]$sim.BaseUri).GetLeftPart('Authority')
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTP_PROXY = $proxy; NO_PROXY = '' } -CaptureOutput
        $line = $run.Output | Where-Object { $_ -like 'ERROR:*' }
        $line | Should -Match '^ERROR:CubeProxyAuthenticationFailed'
        $line | Should -Match ([regex]::Escape("The system's proxy $proxy refused"))
    }
}

Describe 'Connect-Cube -NoDefault' {
    It 'makes a connection for -Connection and leaves the default as it was' {
        $default = Connect-CubeSimulator -With @{ PassThru = $true }
        $other = Connect-Cube -BaseUri $sim.BaseUri -Credential (Get-SimulatorCredential) -NoDefault
        $other | Should -BeOfType ([CubePS.Connection])
        $other.AuthenticationKind | Should -Be 'Basic'
        Get-CubeConnection | Should -Be $default
        @(Get-CubeCustomer 12 -Connection (Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -NoDefault)).Count | Should -Be 4
        Get-CubeConnection | Should -Be $default
        Disconnect-Cube -Connection $other
    }

    It 'keeps -PassThru as it was: the connection becomes the default and is returned' {
        $first = Connect-CubeSimulator -With @{ PassThru = $true }
        $second = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
        Get-CubeConnection | Should -Be $second
        $second | Should -Not -Be $first
    }
}

Describe 'The demo, sent to a file' {
    It 'has no colour codes and full-width tables' {
        $run = Invoke-PwshProcess -ArgumentList '-File', (Join-Path $root 'tests/demo/Invoke-CubeDemo.ps1'), '-ModulePath', (Get-CubeModulePath), '-BaseUri', $sim.BaseUri, '-OutputDirectory', (Join-Path $temp 'demo') -Environment @{ NO_COLOR = $null; TERM = 'xterm-256color' } -CaptureOutput
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $text = ($run.Output + $run.Error) -join "`n"
        $text | Should -Not -Match "`e"
        $text | Should -Match '(?m)^CommandType\s+Name\s+Version\s+Source\s*$'
        $text | Should -Match '(?m)^Cmdlet\s+Test-CubeConnection\s+\S+\s+CubePS\s*$'
    }
}

Describe 'build.ps1 -Task Simulator' {
    It "says where 'dotnet pwsh' works" {
        $process = Start-PwshProcess -ArgumentList '-File', (Join-Path $root 'build.ps1'), '-Task', 'Simulator', '-NoBuild' -RedirectOutput
        try {
            $lines = [Collections.Generic.List[string]]::new()
            while ($null -ne ($line = $process.StandardOutput.ReadLine())) {
                $lines.Add($line)
                if ($line -like 'Press Ctrl+C*') { break }
            }
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }
        $lines -join "`n" | Should -Match ([regex]::Escape("'dotnet pwsh' started in $root"))
    }
}
