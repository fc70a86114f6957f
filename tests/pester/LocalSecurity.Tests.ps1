# Issue 19 and the targets of issue 20: what a killed export leaves, targets that can only fail
# after the download unless checked before it, and the secrets a proxy or a mistyped argument could
# see. Run as root on Linux (CI does): a bind mount needs it; these tests fail, never skip, elsewhere.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-local-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $temp

    # Starts an export of many customers into $Path in another pwsh and returns once its
    # temporary file is there (the workbook is being written, after the download).
    function script:Start-LongExport([string] $Path) {
        $script:large = New-SimulatorAssignment @{ kind = 'synthetic'; records = 60000; pageSize = 5000 }
        $folder = Split-Path $Path
        $log = Join-Path $temp ((Split-Path $folder -Leaf) + '.log')
        $script = "Import-Module '$(Get-CubeModulePath)'; Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force); Export-CubeCustomer $large '$Path' *> '$log'"
        $process = Start-PwshProcess -ArgumentList '-Command', $script
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while (-not (Get-ChildItem $folder -Force -Filter '*.cubeps-tmp') -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $said = if ($process.HasExited) { "the export ended first (exit code $($process.ExitCode)): $(Get-Content -Raw -LiteralPath $log -ErrorAction SilentlyContinue)" } else { 'the export writes its temporary file' }
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 1 -Because $said
        Start-Sleep -Milliseconds 200
        $process
    }
}

AfterAll {
    Disconnect-Cube
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A killed export' {
    AfterEach {
        Remove-SimulatorAssignment $large
    }

    It 'leaves a temporary file after SIGKILL that the next export of the same target removes' {
        $folder = Join-Path $temp 'sigkill'
        $null = New-Item -ItemType Directory $folder
        'the old export' | Set-Content "$folder/nightly.xlsx"
        $process = Start-LongExport "$folder/nightly.xlsx"
        try {
            & kill -KILL $process.Id
            $process.WaitForExit(30000) | Should -BeTrue
        }
        finally {
            if (-not $process.HasExited) { $process.Kill() }
        }
        Get-Content "$folder/nightly.xlsx" | Should -Be 'the old export'
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 1

        # Another target's export leaves it; the same target's removes it.
        Export-CubeCustomer 12 "$folder/other.csv"
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 1
        Export-CubeCustomer 12 "$folder/nightly.xlsx"
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }

    It 'leaves the target as it was and no temporary file after <Signal>' -ForEach @(@{ Signal = 'USR1' }, @{ Signal = 'USR2' }, @{ Signal = 'QUIT' }) {
        $folder = Join-Path $temp "sig$Signal"
        $null = New-Item -ItemType Directory $folder
        'the old export' | Set-Content "$folder/nightly.xlsx"
        $process = Start-LongExport "$folder/nightly.xlsx"
        try {
            & kill "-$Signal" $process.Id
            $process.WaitForExit(30000) | Should -BeTrue
        }
        finally {
            if (-not $process.HasExited) { $process.Kill() }
        }
        $process.ExitCode | Should -Not -Be 0
        Get-Content "$folder/nightly.xlsx" | Should -Be 'the old export'
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }
}

Describe 'Targets checked before the download' {
    It 'refuses a symbolic link loop before any request, saying so' {
        $null = New-Item -ItemType SymbolicLink -Path "$temp/loop-a.csv" -Target "$temp/loop-b.csv"
        $null = New-Item -ItemType SymbolicLink -Path "$temp/loop-b.csv" -Target "$temp/loop-a.csv"
        Reset-SimulatorStats
        $err = { Export-CubeCustomer 9 "$temp/loop-a.csv" } | Should -Throw -ErrorId 'CubeExportFailed,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match 'Too many levels of symbolic links'
        $err.TargetObject | Should -Be "$temp/loop-a.csv"
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'refuses a file name longer than a name can be before any request, saying so' {
        $long = "$temp/" + ('n' * 252) + '.csv'
        Reset-SimulatorStats
        $err = { Export-CubeCustomer 9 -LiteralPath $long } | Should -Throw -ErrorId 'CubeExportFailed,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match 'File name too long'
        $err.Exception.Message | Should -Match 'Nothing was requested'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'writes into a single file bind-mounted as the target, in place, as Export-Csv does' {
        $outside = "$temp/outside.csv"
        $inside = "$temp/handed-out.csv"
        'the old export' | Set-Content $outside
        'the mount point' | Set-Content $inside
        & mount --bind $outside $inside 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'this test bind-mounts a file as root (CI runs as root); it cannot run without'
        try {
            Export-CubeCustomer 12 $inside
            Get-Content "/proc/self/mountinfo" | Where-Object { $_.Split(' ')[4] -eq $inside } | Should -Not -BeNullOrEmpty
            @(Import-Csv $outside -Encoding utf8).Count | Should -Be @(Get-CubeCustomer 12).Count
            @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
        }
        finally {
            & umount $inside
        }
    }
}

Describe 'A loopback base URI' {
    BeforeEach {
        # A "proxy" that accepts connections and never answers: whatever reaches it is a leak.
        $script:listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $script:proxy = "http://127.0.0.1:$($listener.LocalEndpoint.Port)/"
    }

    AfterEach {
        $listener.Stop()
    }

    It 'never goes through -Proxy, so the token in plain http stays on this machine' {
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -Proxy $proxy -TimeoutSec 5 -MaximumRetryCount 0 -PassThru
        @(Get-CubeCustomer -AssignmentId 12 -Connection $connection).Count | Should -Be 4
        (Test-CubeConnection -Connection $connection).Succeeded | Should -BeTrue
        $listener.Pending() | Should -BeFalse
    }

    It 'never goes through the system proxy (HTTP_PROXY), for localhost too' {
        $localhost = $sim.BaseUri -replace '127\.0\.0\.1', 'localhost'
        $script = "Import-Module '$(Get-CubeModulePath)'; Connect-Cube -BaseUri '$localhost' -TimeoutSec 5 -MaximumRetryCount 0 -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force); @(Get-CubeCustomer -AssignmentId 12 -ErrorAction Stop).Count"
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTP_PROXY = $proxy } -CaptureOutput
        $run.Output | Should -Be 4
        $listener.Pending() | Should -BeFalse
    }
}

Describe 'Arguments that carry what must not be shown or taken' {
    It 'refuses -Account with a trailing line feed as an invalid argument, not an unexpected error' {
        $err = { Connect-Cube -Account "acme`n" -Token (Get-SimulatorToken) } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        $err.Exception.Message | Should -Match 'one DNS label'
    }

    It 'shows a refused -BaseUri and CUBE_BASE_URI with the secret masked' {
        $err = { Connect-Cube -BaseUri 'https://cube.test/?api_key=s3cr3t-value' -Token (Get-SimulatorToken) } | Should -Throw -PassThru
        # (PowerShell's own position message quotes this test's line; what CubePS says must not.)
        "$($err.Exception.Message) $($err.ErrorDetails) $($err.CategoryInfo)" | Should -Not -Match 's3cr3t-value'
        $err.Exception.Message | Should -Match 'api_key=\*\*\*'

        $script = "Import-Module '$(Get-CubeModulePath)'; try { Get-CubeConnection -ErrorAction Stop } catch { `$_.Exception.Message }; try { Get-CubeCustomer 9 -ErrorAction Stop } catch { `$_.Exception.Message }"
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ CUBE_BASE_URI = 'https://cube.test/?token=s3cr3t-value'; CUBE_TOKEN = $sim.Token } -CaptureOutput
        "$($run.Output)" | Should -Match 'CUBE_BASE_URI'
        "$($run.Output)" | Should -Not -Match 's3cr3t-value'
    }
}
