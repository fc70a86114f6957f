# Reliability and security against the simulator's injected faults: each ends with complete data
# or the named error, in bounded time, with no partial data and no secret in any stream.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator

    function Start-BackgroundCall {
        # Runs a CubePS call in another runspace, connected to the simulator, so the test can stop it.
        param([string] $Script)
        $ps = [powershell]::Create()
        $null = $ps.AddScript("param(`$ModulePath, `$BaseUri, `$Token) Import-Module `$ModulePath; Connect-Cube -BaseUri `$BaseUri -Token (ConvertTo-SecureString `$Token -AsPlainText -Force); $Script")
        $null = $ps.AddParameters(@{ ModulePath = (Get-CubeModulePath); BaseUri = $sim.BaseUri; Token = $sim.Token })
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    function Wait-Until {
        param([scriptblock] $Condition, [double] $Seconds = 10)
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for: $Condition" }
            Start-Sleep -Milliseconds 20
        }
    }

    function Get-OpenSpoolFiles {
        # The spool files this process holds open (on Linux they are unlinked at once, so /proc shows them).
        if (Test-Path "/proc/$PID/fd") {
            @(Get-ChildItem "/proc/$PID/fd" -ErrorAction SilentlyContinue | ForEach-Object { $_.LinkTarget } | Where-Object { $_ -like '*cubeps-*.spool*' })
        }
        else {
            @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'cubeps-*.spool' -ErrorAction SilentlyContinue)
        }
    }

    Connect-CubeSimulator
}

AfterAll {
    Disconnect-Cube
    Clear-CubeEnvironment
}

Describe 'Reliability' {
    BeforeEach {
        # Connect-Cube -PassThru also sets the default: every test starts from the simulator's.
        Connect-CubeSimulator
    }

    Describe 'Retries' {
        It 'retries <Status> and ends with complete data' -TestCases @(@{ Status = 500 }, @{ Status = 502 }, @{ Status = 503 }, @{ Status = 504 }, @{ Status = 408 }) {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = $Status; times = 2 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 }
            $call.Errors | Should -BeNullOrEmpty
            $call.Output.Count | Should -Be 10
            Get-SimulatorRequestCount $id | Should -Be 3
            $call.Seconds | Should -BeLessThan 10
        }

        It 'waits longer before each retry, and says so in Verbose' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 503; times = 2 }) }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $all = @(Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 1 -Verbose 4>&1)
            $watch.Stop()
            # Waits of 1-1.5 s and 2-3 s.
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2.9
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 12
            $verbose = ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
            $verbose | Should -Match 'answered 503 .* Retry 1 of 4 in 1\.\d s'
            $verbose | Should -Match 'Retry 2 of 4 in [23]\.\d s'
            @($all | Where-Object { $_.pstypenames -contains 'CubePS.Customer' }).Count | Should -Be 10
        }

        It 'honours Retry-After in seconds' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 429; times = 1; retryAfter = '2' }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 }
            $call.Output.Count | Should -Be 10
            $call.Seconds | Should -BeGreaterOrEqual 1.9
            $call.Seconds | Should -BeLessThan 10
        }

        It 'honours Retry-After as an HTTP date' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 503; times = 1; retryAfter = 'date:+2' }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 }
            $call.Output.Count | Should -Be 10
            # An HTTP date has whole seconds: 2 s ahead is a wait of 1 to 3 s.
            $call.Seconds | Should -BeGreaterOrEqual 0.9
            $call.Seconds | Should -BeLessThan 10
        }

        It 'ends with CubeRequestFailed (LimitsExceeded) when the throttling outlasts the retries' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 429; retryAfter = '0' }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -MaximumRetryCount 1 }
            $call.Output | Should -BeNullOrEmpty
            $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeRequestFailed,CubePS.Commands.GetCubeCustomerCommand'
            $call.Errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $call.Errors[0].Exception.StatusCode | Should -Be 429
            Get-SimulatorRequestCount $id | Should -Be 2
        }

        It 'does not retry a 404' {
            Reset-SimulatorStats
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId 4044 }
            $call.Errors[0].FullyQualifiedErrorId | Should -BeLike 'CubeAssignmentNotFound,*'
            Get-SimulatorRequestCount 4044 | Should -Be 1
        }

        It 'takes the retry count from the connection, and from the call over it' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -MaximumRetryCount 0 -PassThru
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 503 }) }
            $null = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -Connection $connection }
            Get-SimulatorRequestCount $id | Should -Be 1
            $null = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -Connection $connection -MaximumRetryCount 2 -RetryIntervalSec 0 }
            Get-SimulatorRequestCount $id | Should -Be 4
        }
    }

    Describe 'Timeouts' {
        It 'ends a request whose answer does not begin within -TimeoutSec with CubeRequestTimeout' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'slowFirstByte'; delayMs = 5000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -TimeoutSec 1 -MaximumRetryCount 0 }
            $call.Output | Should -BeNullOrEmpty
            $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeRequestTimeout,CubePS.Commands.GetCubeCustomerCommand'
            $call.Errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $call.Seconds | Should -BeGreaterOrEqual 0.9
            $call.Seconds | Should -BeLessThan 4
        }

        It 'waits for a slow answer that comes within -TimeoutSec' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'slowFirstByte'; delayMs = 700 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -TimeoutSec 5 }
            $call.Output.Count | Should -Be 10
        }

        It 'ends a reply that stalls in the middle with CubeRequestTimeout and writes none of it' {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 200; pageSize = 0; faults = @(@{ kind = 'stallBody'; afterBytes = 40000; delayMs = 30000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -TimeoutSec 1 -MaximumRetryCount 0 }
            $call.Output | Should -BeNullOrEmpty
            $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeRequestTimeout,CubePS.Commands.GetCubeCustomerCommand'
            $call.Errors[0].Exception.Message | Should -Match 'in the middle of its reply'
            $call.Seconds | Should -BeLessThan 4
        }

        It 'uses the connection''s -TimeoutSec' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -TimeoutSec 1 -MaximumRetryCount 0 -PassThru
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'slowFirstByte'; delayMs = 5000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -Connection $connection }
            $call.Errors[0].FullyQualifiedErrorId | Should -BeLike 'CubeRequestTimeout,*'
            $call.Seconds | Should -BeLessThan 4
        }
    }

    Describe 'Broken replies' {
        It 'retries a page whose connection drops mid-reply: page <Page>, every record once' -TestCases @(@{ Page = 1 }, @{ Page = 3 }) {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 250; pageSize = 50; faults = @(@{ kind = 'resetMidBody'; page = $Page; times = 1; afterBytes = 20000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 }
            $call.Errors | Should -BeNullOrEmpty
            $call.Output.customer_id | Should -Be (5000000..5000249)
            Get-SimulatorRequestCount $id | Should -Be 6
        }

        It 'retries a bare array whose connection drops mid-reply' {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 300; pageSize = 0; faults = @(@{ kind = 'resetMidBody'; times = 2; afterBytes = 100000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 }
            $call.Output.customer_id | Should -Be (5000000..5000299)
        }

        It 'ends with CubeConnectionFailed, and writes nothing, when the connection always drops' {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 300; pageSize = 0; faults = @(@{ kind = 'resetMidBody'; afterBytes = 100000 }) }
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -RetryIntervalSec 0 -MaximumRetryCount 2 }
            $call.Output | Should -BeNullOrEmpty
            $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeConnectionFailed,CubePS.Commands.GetCubeCustomerCommand'
            $call.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            Get-SimulatorRequestCount $id | Should -Be 3
        }

        It 'ends with CubeConnectionFailed when nothing listens' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $connection = Connect-Cube -BaseUri "http://127.0.0.1:$port" -Token (Get-SimulatorToken) -PassThru
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId 9 -Connection $connection -MaximumRetryCount 1 -RetryIntervalSec 0 }
            $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeConnectionFailed,CubePS.Commands.GetCubeCustomerCommand'
            $call.Errors[0].Exception.Message | Should -Match "127.0.0.1:$port"
        }

        It 'ends with <ErrorId> (<Category>) for <Fault>, and writes no record of the assignment' -TestCases @(
            @{ Fault = 'truncated JSON'; Setup = @{ kind = 'b2b'; faults = @(@{ kind = 'truncate'; afterBytes = 3000 }) }; ErrorId = 'CubeInvalidResponse'; Category = 'InvalidData'; Message = 'cut short' }
            @{ Fault = 'an HTML page with status 200'; Setup = @{ kind = 'b2b'; faults = @(@{ kind = 'html' }) }; ErrorId = 'CubeInvalidResponse'; Category = 'InvalidData'; Message = 'login page' }
            @{ Fault = 'invalid UTF-8'; Setup = @{ kind = 'b2b'; faults = @(@{ kind = 'invalidUtf8' }) }; ErrorId = 'CubeInvalidResponse'; Category = 'InvalidData'; Message = 'UTF-8' }
            @{ Fault = 'results that are not a list'; Setup = @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'resultsNotArray'; page = 2 }) }; ErrorId = 'CubeInvalidResponse'; Category = 'InvalidData'; Message = "'results' is an object" }
            @{ Fault = 'a next link loop'; Setup = @{ kind = 'synthetic'; records = 50; pageSize = 10; faults = @(@{ kind = 'nextLoop'; page = 3 }) }; ErrorId = 'CubeInvalidResponse'; Category = 'InvalidData'; Message = 'loop' }
            @{ Fault = 'a next link to another host'; Setup = @{ kind = 'synthetic'; records = 50; pageSize = 10; faults = @(@{ kind = 'foreignNext'; foreignHost = 'evil.example.invalid' }) }; ErrorId = 'CubeUnsafeNextLink'; Category = 'SecurityError'; Message = 'evil.example.invalid' }
        ) {
            $id = New-SimulatorAssignment $Setup
            Reset-SimulatorStats
            $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId 12, $id -RetryIntervalSec 0 }
            $call.Seconds | Should -BeLessThan 10
            $call.Errors.Count | Should -Be 1
            $call.Errors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,CubePS.Commands.GetCubeCustomerCommand"
            $call.Errors[0].CategoryInfo.Category | Should -Be $Category
            $call.Errors[0].TargetObject | Should -Be $id
            $call.Errors[0].Exception.Message | Should -Match ([regex]::Escape($Message))
            # Only the other assignment's records, and none of this one's keys as columns.
            $call.Output.Count | Should -Be 4
            $call.Output.assignment_id | Sort-Object -Unique | Should -Be 12
            $call.Output[0].psobject.Properties.Name | Should -Not -Contain 'first_name'
            (Get-SimulatorStats).byHost.psobject.Properties.Name | Should -Not -Contain 'evil.example.invalid'
        }
    }

    Describe 'Secrets' {
        It 'shows the token in no stream, error or object, with Verbose and Debug on' {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'status'; status = 503; times = 1 }) }
            $html = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'html' }) }
            $everything = Get-CubeCustomer -AssignmentId $id, $html, 404 -RetryIntervalSec 0 -Verbose -Debug -ErrorAction Continue *>&1 | Out-String -Width 500
            $everything | Should -Match 'Authorization: Token \*\*\*'
            $everything | Should -Match 'GET http://127\.0\.0\.1'
            $everything | Should -Not -Match $sim.Token
            ($Error | Out-String -Width 500) + ($Error.ErrorDetails.Message -join "`n") | Should -Not -Match $sim.Token
        }

        It 'masks a token that Cube echoes back in its reply' {
            $secret = 'echoed-secret-token-42'
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString $secret -AsPlainText -Force) -PassThru
            $err = { Get-CubeCustomer -AssignmentId 9 -Connection $connection -Verbose -Debug *>&1 | Out-Null } | Should -Throw -ErrorId 'CubeAuthenticationFailed,*' -PassThru
            $err.ErrorDetails.Message | Should -Match 'Invalid credentials: Token \*\*\*'
            $err.Exception.ResponseText | Should -Not -Match $secret
            ($err | Format-List * -Force | Out-String) + $err.Exception.ToString() | Should -Not -Match $secret
        }

        It 'masks the password and its Basic form' {
            $password = 'Pa55-echoed-æøå'
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Credential ([pscredential]::new('someone@example.com', (ConvertTo-SecureString $password -AsPlainText -Force))) -PassThru
            $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("someone@example.com:$password"))
            $err = { Get-CubeCustomer -AssignmentId 9 -Connection $connection } | Should -Throw -ErrorId 'CubeAuthenticationFailed,*' -PassThru
            $shown = ($err | Format-List * -Force | Out-String) + $err.ErrorDetails.Message + $err.Exception.ResponseText
            $shown | Should -Not -Match ([regex]::Escape($basic))
            $shown | Should -Not -Match ([regex]::Escape($password))
        }
    }

    Describe 'Cancellation' {
        It 'ends a request that waits for its answer within a second of Ctrl+C' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'slowFirstByte'; delayMs = 30000 }) }
            Reset-SimulatorStats
            $call = Start-BackgroundCall "Get-CubeCustomer -AssignmentId $id"
            try {
                Wait-Until { (Get-SimulatorStats).active -ge 1 }
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $call.PowerShell.Stop()
                $watch.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
                # The server sees the request abandoned: no socket is left waiting.
                Wait-Until { (Get-SimulatorStats).active -eq 0 } -Seconds 5
                (Get-SimulatorStats).aborted | Should -BeGreaterOrEqual 1
            }
            finally { $call.PowerShell.Dispose() }
        }

        It 'ends a retry wait within a second of Ctrl+C' {
            $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 503; retryAfter = '60' }) }
            $call = Start-BackgroundCall "Get-CubeCustomer -AssignmentId $id"
            try {
                Wait-Until { (Get-SimulatorRequestCount $id) -ge 1 }
                Start-Sleep -Milliseconds 200
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $call.PowerShell.Stop()
                $watch.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
                Get-SimulatorRequestCount $id | Should -Be 1
            }
            finally { $call.PowerShell.Dispose() }
        }

        It 'leaves no spool file behind when stopped mid-download' {
            $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 20000; pageSize = 500; latencyMs = 150 }
            $env:CUBE_SPOOL_MEMORY_MB = '0'
            try {
                $call = Start-BackgroundCall "Get-CubeCustomer -AssignmentId $id"
                Wait-Until { @(Get-OpenSpoolFiles).Count -ge 1 }
                $call.PowerShell.Stop()
                @(Get-OpenSpoolFiles).Count | Should -Be 0
                $call.PowerShell.Dispose()
            }
            finally { Remove-Item env:CUBE_SPOOL_MEMORY_MB }
        }

        It 'stops with CubeTemporaryStorageFailed when the temporary folder cannot be written' {
            $variable = if ($IsWindows) { 'TEMP' } else { 'TMPDIR' }
            $saved = [Environment]::GetEnvironmentVariable($variable)
            $missing = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-missing-" + [guid]::NewGuid().ToString('N'))
            try {
                [Environment]::SetEnvironmentVariable($variable, $missing)
                $env:CUBE_SPOOL_MEMORY_MB = '0'
                $err = { Get-CubeCustomer -AssignmentId 20, 12 } | Should -Throw -ErrorId 'CubeTemporaryStorageFailed,CubePS.Commands.GetCubeCustomerCommand' -PassThru
                $err.CategoryInfo.Category | Should -Be 'WriteError'
                $err.Exception.Message | Should -Match ([regex]::Escape($missing))
            }
            finally {
                [Environment]::SetEnvironmentVariable($variable, $saved)
                Remove-Item env:CUBE_SPOOL_MEMORY_MB -ErrorAction SilentlyContinue
            }
        }

        It 'lets Select-Object -First stop the pipeline' {
            $five = @(Get-CubeCustomer -AssignmentId 20 | Select-Object -First 5)
            $five.customer_id | Should -Be (5000000..5000004)
            @(Get-OpenSpoolFiles).Count | Should -Be 0
        }
    }

    Describe 'TLS' {
        BeforeAll {
            Import-Module (Join-Path $PSScriptRoot '../CubeSimulator/CubeSimulator.psm1') -Force
            $script:tls = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath) -ExtraArguments '--https'
        }

        AfterAll {
            Stop-CubeSimulator $tls
        }

        It 'refuses a certificate nobody trusts with CubeCertificateRejected' {
            $connection = Connect-Cube -BaseUri $tls.BaseUri -Token (Get-SimulatorToken) -PassThru
            $err = { Get-CubeCustomer -AssignmentId 12 -Connection $connection } | Should -Throw -ErrorId 'CubeCertificateRejected,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
        }

        It 'leaves the process-wide TLS setting alone' {
            $before = [Net.ServicePointManager]::SecurityProtocol
            $connection = Connect-Cube -BaseUri $tls.BaseUri -Token (Get-SimulatorToken) -SkipCertificateCheck -PassThru -WarningAction SilentlyContinue
            $null = Get-CubeCustomer -AssignmentId 12 -Connection $connection
            [Net.ServicePointManager]::SecurityProtocol | Should -Be $before
        }

        It 'accepts it with -SkipCertificateCheck, and warns' {
            $connection = Connect-Cube -BaseUri $tls.BaseUri -Token (Get-SimulatorToken) -SkipCertificateCheck -PassThru -WarningVariable warned -WarningAction SilentlyContinue
            $warned | Should -Match 'Certificate checks are off'
            @(Get-CubeCustomer -AssignmentId 12 -Connection $connection).Count | Should -Be 4
        }
    }

    Describe 'Proxies' {
        BeforeAll {
            # The simulator doubles as an http proxy that wants proxyuser / proxy-pw. The Cube host
            # name does not resolve, so data only arrives through the proxy.
            $script:target = 'http://cube-behind-proxy.invalid:8080'
            $script:proxyCredential = [pscredential]::new('proxyuser', (ConvertTo-SecureString 'proxy-pw' -AsPlainText -Force))
        }

        It 'goes through -Proxy with -ProxyCredential' {
            Reset-SimulatorStats
            $connection = Connect-Cube -BaseUri $target -Token (Get-SimulatorToken) -AllowUnencryptedAuthentication -Proxy $sim.BaseUri -ProxyCredential $proxyCredential -PassThru
            @(Get-CubeCustomer -AssignmentId 12 -Connection $connection).Count | Should -Be 4
            (Get-SimulatorStats).byHost.'cube-behind-proxy.invalid:8080' | Should -BeGreaterOrEqual 1
        }

        It 'uses the system proxy when no -Proxy is given' {
            # .NET reads HTTP_PROXY once per process: try it in a fresh one.
            $address = $sim.BaseUri -replace '^http://', 'http://proxyuser:proxy-pw@'
            $script = "Import-Module '$(Get-CubeModulePath)'; Connect-Cube -BaseUri '$target' -AllowUnencryptedAuthentication -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force); @(Get-CubeCustomer -AssignmentId 12 -ErrorAction Stop).Count"
            $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ HTTP_PROXY = $address } -CaptureOutput
            $run.Output | Should -Be 4
        }

        It 'tests the way through the proxy, without an assignment too: <Case>' -ForEach @(
            @{ Case = 'the proxy lets the request through'; Proxy = 'sim'; Credential = $true; Succeeded = $true; ErrorId = $null }
            @{ Case = 'the proxy wants credentials'; Proxy = 'sim'; Credential = $false; Succeeded = $false; ErrorId = 'CubeProxyAuthenticationFailed' }
            @{ Case = 'nothing listens where the proxy should be'; Proxy = 'http://127.0.0.1:9/'; Credential = $false; Succeeded = $false; ErrorId = 'CubeConnectionFailed' }
        ) {
            $parameters = @{ BaseUri = $target; Token = (Get-SimulatorToken); AllowUnencryptedAuthentication = $true; Proxy = $(if ($Proxy -eq 'sim') { $sim.BaseUri } else { $Proxy }); PassThru = $true; MaximumRetryCount = 0 }
            if ($Credential) { $parameters.ProxyCredential = $proxyCredential }
            $connection = Connect-Cube @parameters
            $test = Test-CubeConnection -Connection $connection
            $test.Succeeded | Should -Be $Succeeded
            $test.Reachable | Should -Be $Succeeded
            $test.ErrorId | Should -Be $ErrorId
            Test-CubeConnection -Connection $connection -Quiet | Should -Be $Succeeded
        }

        It 'stops with CubeProxyAuthenticationFailed when the proxy wants credentials (<Case>), naming the proxy, not Cube' -ForEach @(
            @{ Case = 'none given'; Credential = $null; Says = 'wants credentials of its own\.' }
            @{ Case = 'wrong ones'; Credential = [pscredential]::new('proxyuser', (ConvertTo-SecureString 'not-the-proxy-pw' -AsPlainText -Force)); Says = 'refused the ones given' }
        ) {
            $parameters = @{ BaseUri = $target; Token = (Get-SimulatorToken); AllowUnencryptedAuthentication = $true; Proxy = $sim.BaseUri; PassThru = $true }
            if ($Credential) { $parameters.ProxyCredential = $Credential }
            $connection = Connect-Cube @parameters
            # Every assignment would be refused the same way: the call stops at the first.
            $err = { Get-CubeCustomer -AssignmentId 12, 9 -Connection $connection } | Should -Throw -ErrorId 'CubeProxyAuthenticationFailed,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err.Exception.StatusCode | Should -Be 407
            $err.Exception.Message | Should -Match ([regex]::Escape('The proxy ' + $sim.BaseUri.TrimEnd('/')))
            $err.Exception.Message | Should -Match $Says
            $err.ErrorDetails.RecommendedAction | Should -Match '-ProxyCredential'
            ($err | Out-String) | Should -Not -Match 'not-the-proxy-pw'
            $test = Test-CubeConnection -AssignmentId 12 -Connection $connection
            $test.ErrorId | Should -Be 'CubeProxyAuthenticationFailed'
            $test.Authenticated | Should -BeNullOrEmpty
        }
    }

    Describe 'Concurrency' {
        It 'reads many assignments at once, never more than -ThrottleLimit requests, and writes what one after another writes' {
            $ids = foreach ($i in 1..12) { New-SimulatorAssignment @{ kind = 'synthetic'; records = 5 + (7 * $i); pageSize = 10; latencyMs = 60 } }
            [array]::Reverse($ids)
            $sequential = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $ids -ThrottleLimit 1 | ConvertTo-Csv }
            Reset-SimulatorStats
            $atOnce = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $ids -ThrottleLimit 3 | ConvertTo-Csv }
            $stats = Get-SimulatorStats
            $atOnce.Errors | Should -BeNullOrEmpty
            $atOnce.Output.Count | Should -Be $sequential.Output.Count
            ($atOnce.Output -join "`n") | Should -BeExactly ($sequential.Output -join "`n")
            $stats.mostActive | Should -BeLessOrEqual 3
            $stats.mostActive | Should -BeGreaterThan 1
        }

        It 'takes -ThrottleLimit from Connect-Cube as the connection''s default' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -ThrottleLimit 2 -PassThru
            $connection.ThrottleLimit | Should -Be 2
            (Get-CubeConnection).ThrottleLimit | Should -Be 2
            $ids = foreach ($i in 1..6) { New-SimulatorAssignment @{ kind = 'synthetic'; records = 20; pageSize = 10; latencyMs = 60 } }
            Reset-SimulatorStats
            @(Get-CubeCustomer -AssignmentId $ids).Count | Should -Be 120
            (Get-SimulatorStats).mostActive | Should -Be 2
        }

        It 'stops with one CubeUnavailable after three assignments when nothing listens, naming the ones not read' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $connection = Connect-Cube -BaseUri "http://127.0.0.1:$port" -Token (Get-SimulatorToken) -PassThru
            # The assignments tried each have their error, in order; then the one that ends the call.
            $errors = @(try { Export-CubeCustomer -AssignmentId (1..10) -Path (Join-Path $TestDrive 'down.csv') -Connection $connection -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction Continue 2>&1 } catch { $_ })
            $errors.Count | Should -Be 4
            @($errors[0..2].FullyQualifiedErrorId) | Should -Be (@('CubeConnectionFailed,CubePS.Commands.ExportCubeCustomerCommand') * 3)
            @($errors[0..2].TargetObject) | Should -Be @(1, 2, 3)
            $err = $errors[3]
            $err.FullyQualifiedErrorId | Should -Be 'CubeUnavailable,CubePS.Commands.ExportCubeCustomerCommand'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            # Export writes nothing: every assignment of the call is still to export.
            @($err.TargetObject) | Should -Be @(1..10)
            $err.Exception.Message | Should -Match 'assignments 1, 2, 3 failed one after another .*the 7 assignments left: 4, 5, 6, 7, 8, 9, 10'
            $err.Exception.Message | Should -Match 'Nothing was written: .*down\.csv is as it was; all 10 assignments of the call'
            Join-Path $TestDrive 'down.csv' | Should -Not -Exist
        }

        It 'writes the assignments read before Cube went down, then ends with CubeUnavailable naming the ones not read' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            $good = foreach ($i in 1..4) { New-SimulatorAssignment @{ kind = 'synthetic'; records = 12; pageSize = 5 } }
            $down = foreach ($i in 1..20) { New-SimulatorAssignment @{ kind = 'b2b'; latencyMs = 20; faults = @(@{ kind = 'status'; status = 503 }) } }
            $ids = @($good) + @($down)
            $customers = [Collections.Generic.List[object]]::new()
            $errors = @(try { Get-CubeCustomer -AssignmentId $ids -Connection $connection -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction Continue 2>&1 | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_ } else { $customers.Add($_) } } } catch { $_ })
            # The four assignments read are written whole, before the error that ends the call.
            $customers.Count | Should -Be 48
            @($customers.assignment_id | Sort-Object -Unique) | Should -Be @($good | Sort-Object)
            $last = $errors[-1]
            $last.FullyQualifiedErrorId | Should -Be 'CubeUnavailable,CubePS.Commands.GetCubeCustomerCommand'
            $failed = @($errors[0..($errors.Count - 2)] | ForEach-Object TargetObject)
            @($errors[0..($errors.Count - 2)].FullyQualifiedErrorId | Sort-Object -Unique) | Should -Be 'CubeRequestFailed,CubePS.Commands.GetCubeCustomerCommand'
            # Every assignment is accounted for: read, failed with its own error, or in the error's target.
            @($good) + $failed + @($last.TargetObject) | Should -Be $ids
        }

        It 'serves several runspaces from one connection at once, each complete' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            $modulePath = Get-CubeModulePath
            $results = 9, 12, 20, 9, 12, 20, 20, 9 | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module $using:modulePath
                $customers = @(Get-CubeCustomer -AssignmentId $_ -Connection $using:connection)
                [pscustomobject]@{
                    Id       = $_
                    Count    = $customers.Count
                    Unique   = ($customers.customer_id | Sort-Object -Unique).Count
                    Columns  = ($customers | ForEach-Object { $_.psobject.Properties.Name -join ',' } | Sort-Object -Unique).Count
                    Assigned = ($customers.assignment_id | Sort-Object -Unique) -join ','
                }
            }
            $results.Count | Should -Be 8
            foreach ($result in $results) {
                $expected = @{ 9 = 10; 12 = 4; 20 = 1234 }[$result.Id]
                $result.Count | Should -Be $expected
                $result.Unique | Should -Be $expected
                $result.Columns | Should -Be 1
                $result.Assigned | Should -Be "$($result.Id)"
            }
        }
    }
}
