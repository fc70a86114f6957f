# The first hour of a new user: a wrong account or token found at once, a health check for
# runbooks, clear messages instead of generic ones, and nothing that needs guessing.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator
}

AfterAll {
    Disconnect-Cube
    Clear-CubeEnvironment
}

Describe 'Test-CubeConnection' {
    It 'passes for a good connection and says what it found' {
        $test = Test-CubeConnection -AssignmentId 9
        $test | Should -BeOfType ([CubePS.ConnectionTest])
        $test.Succeeded | Should -BeTrue
        $test.Reachable | Should -BeTrue
        $test.Authenticated | Should -BeTrue
        $test.Status | Should -Be 200
        $test.Customers | Should -Be 10
        $test.ErrorId | Should -BeNullOrEmpty
        $test.Latency | Should -BeOfType [timespan]
        $test.BaseUri | Should -Be ([uri]$sim.BaseUri)
        $test.Authentication | Should -Be 'Token'
        ($test | Out-String) | Should -Match 'Succeeded\s+: True'
    }

    It 'takes the count from a paged reply without reading further' {
        Reset-SimulatorStats
        (Test-CubeConnection -AssignmentId 20).Customers | Should -Be 1234
        Get-SimulatorRequestCount 20 | Should -Be 1
    }

    It 'checks only the host without -AssignmentId, and says the credentials were not checked' {
        Reset-SimulatorStats
        $test = Test-CubeConnection
        $test.Succeeded | Should -BeTrue
        $test.Reachable | Should -BeTrue
        $test.Authenticated | Should -BeNullOrEmpty
        $test.Message | Should -Match '-AssignmentId'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'finds <Case>, without an error, with the id of the failure' -ForEach @(
        @{ Case = 'a wrong token'; Connect = { Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force) -PassThru }; Assignment = 9; ErrorId = 'CubeAuthenticationFailed'; Reachable = $true; Authenticated = $false }
        @{ Case = 'an assignment that does not exist'; Connect = { Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru }; Assignment = 404404; ErrorId = 'CubeAssignmentNotFound'; Reachable = $true; Authenticated = $true }
        @{ Case = 'an assignment the user may not read'; Connect = { Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru }; Assignment = 77; ErrorId = 'CubeAssignmentForbidden'; Reachable = $true; Authenticated = $true }
        @{ Case = 'a host name that does not resolve'; Connect = { Connect-Cube -Account 'cube-typo-does-not-exist' -Token (Get-SimulatorToken) -PassThru }; Assignment = 9; ErrorId = 'CubeConnectionFailed'; Reachable = $false; Authenticated = $null }
    ) {
        $connection = & $Connect
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $test = Test-CubeConnection -AssignmentId $Assignment -Connection $connection -ErrorVariable failed
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $failed | Should -BeNullOrEmpty
        $test.Succeeded | Should -BeFalse
        $test.ErrorId | Should -Be $ErrorId
        $test.Reachable | Should -Be $Reachable
        $test.Authenticated | Should -Be $Authenticated
        $test.Message | Should -Not -BeNullOrEmpty
        Test-CubeConnection -AssignmentId $Assignment -Connection $connection -Quiet | Should -BeFalse
        Connect-CubeSimulator
    }

    It 'does not call the credentials accepted when Cube answers <Case>' -ForEach @(
        @{ Case = '503 Service Unavailable'; Fault = @{ kind = 'status'; status = 503 }; ErrorId = 'CubeRequestFailed'; Status = 503 }
        @{ Case = 'a login page with 200 OK'; Fault = @{ kind = 'html' }; ErrorId = 'CubeInvalidResponse'; Status = 200 }
        @{ Case = '206 Partial Content'; Fault = @{ kind = 'status'; status = 206 }; ErrorId = 'CubeInvalidResponse'; Status = 206 }
        @{ Case = 'a 404 page that is not Cube''s JSON (a wrong base path)'; Fault = @{ kind = 'status'; status = 404 }; ErrorId = 'CubeAssignmentNotFound'; Status = 404 }
    ) {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 3; faults = @($Fault) }
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -MaximumRetryCount 0 -PassThru
        $test = Test-CubeConnection -AssignmentId $id -Connection $connection
        $test.Succeeded | Should -BeFalse
        $test.ErrorId | Should -Be $ErrorId
        $test.Reachable | Should -BeTrue
        $test.Status | Should -Be $Status
        $test.Authenticated | Should -BeNullOrEmpty
        ($test | Format-List | Out-String) | Should -Match "Authenticated\s*:\s*unknown: Cube answered $Status"
        Connect-CubeSimulator
    }

    It 'finds a certificate nobody trusts: CubeCertificateRejected' {
        $tls = Start-CubeSimulator -SimulatorPath (Get-SimulatorPath) -ExtraArguments '--https'
        try {
            $connection = Connect-Cube -BaseUri $tls.BaseUri -Token (Get-SimulatorToken) -PassThru
            $test = Test-CubeConnection -Connection $connection
            $test.Succeeded | Should -BeFalse
            $test.ErrorId | Should -Be 'CubeCertificateRejected'
            $test.Reachable | Should -BeTrue
            # Why, as Get-CubeCustomer says it: not the bare "rejected by the callback".
            $test.Message | Should -Match 'certificate chain: .*UntrustedRoot|PartialChain'
            $test.Message | Should -Not -Match 'RemoteCertificateValidationCallback'
            ($test | Format-List | Out-String) | Should -Match 'Authenticated\s*:\s*not tested'
            $withAssignment = Test-CubeConnection -AssignmentId 12 -Connection $connection
            ($withAssignment | Format-List | Out-String) | Should -Match 'Authenticated\s*:\s*not reached'
            $trusting = Connect-Cube -BaseUri $tls.BaseUri -Token (Get-SimulatorToken) -SkipCertificateCheck -PassThru -WarningAction SilentlyContinue
            $passed = Test-CubeConnection -AssignmentId 12 -Connection $trusting
            $passed.Succeeded | Should -BeTrue
            $passed.TlsProtocol | Should -Match '^Tls1[23]$'
        }
        finally {
            Stop-CubeSimulator $tls
            Connect-CubeSimulator
        }
    }

    It 'writes only $true with -Quiet when the test passes' {
        $quiet = @(Test-CubeConnection -AssignmentId 12 -Quiet)
        $quiet.Count | Should -Be 1
        $quiet[0] | Should -BeOfType [bool]
        $quiet[0] | Should -BeTrue
    }

    It 'still refuses a bad parameter with a parameter error' {
        { Test-CubeConnection -AssignmentId 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.TestCubeConnectionCommand'
    }
}

Describe 'Connect-Cube -Validate' {
    It 'keeps a connection that passes the test' {
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -Validate -AssignmentId 12 -PassThru
        [object]::ReferenceEquals((Get-CubeConnection), $connection) | Should -BeTrue
    }

    It 'refuses to keep a connection that fails it, with the error the test found, and keeps the previous one' {
        $previous = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
        $err = { Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force) -Validate -AssignmentId 9 } |
            Should -Throw -ErrorId 'CubeAuthenticationFailed,CubePS.Commands.ConnectCubeCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        [object]::ReferenceEquals((Get-CubeConnection), $previous) | Should -BeTrue
        $err = { Connect-Cube -Account 'cube-typo-does-not-exist' -Token (Get-SimulatorToken) -Validate } | Should -Throw -ErrorId 'CubeConnectionFailed,CubePS.Commands.ConnectCubeCommand' -PassThru
        # The host the test could not reach, not an assignment 0 that nobody asked for.
        $err.TargetObject | Should -Be 'https://cube-typo-does-not-exist.headshed.com/'
        [object]::ReferenceEquals((Get-CubeConnection), $previous) | Should -BeTrue
    }

    It 'warns that the credentials were not checked when -Validate has no -AssignmentId' {
        $result = Invoke-CapturedCall { Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force) -Validate }
        $result.Errors.Count | Should -Be 0
        $result.Warnings | Should -Match 'did not check the credentials.*-AssignmentId'
        $checked = Invoke-CapturedCall { Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -Validate -AssignmentId 12 }
        $checked.Warnings.Count | Should -Be 0
        Connect-CubeSimulator
    }

    It 'refuses -AssignmentId without -Validate' {
        { Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -AssignmentId 9 } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ConnectCubeCommand'
    }
}

Describe 'Messages that say what to do' {
    It 'says how to pass a token when it gets a plain string' {
        $err = { Connect-Cube -Account acme -Token 'abc' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,CubePS.Commands.ConnectCubeCommand' -PassThru
        foreach ($way in 'Read-Host -AsSecureString', 'Get-Secret', 'ConvertTo-SecureString') {
            $err.Exception.Message | Should -Match ([regex]::Escape($way))
        }
        $err.Exception.Message | Should -Not -Match 'abc'
    }

    It 'writes CubeCustomerNotFound for each customer id the assignment does not hold, and the others' {
        $found = @(Get-CubeCustomer -AssignmentId 9 -CustomerId 2488539, 1, 2 -ErrorVariable failed -ErrorAction SilentlyContinue)
        $found.customer_id | Should -Be 2488539
        $failed.Count | Should -Be 2
        $failed.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'CubeCustomerNotFound,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed.TargetObject | Should -Be @(1, 2)
        $failed[0].Exception.Message | Should -Match 'Assignment 9 has no customer with customer_id 1'
    }

    It 'writes CubeCustomerNotFound once for an id that none of the call''s assignments holds, and none for an id one of them holds' {
        $inTwelve = @(Get-CubeCustomer -AssignmentId 12)[0].customer_id
        $found = @(Get-CubeCustomer -AssignmentId 9, 12 -CustomerId $inTwelve, 1 -ErrorVariable failed -ErrorAction SilentlyContinue)
        $found.customer_id | Should -Be $inTwelve
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeCustomerNotFound,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].TargetObject | Should -Be 1
        $failed[0].Exception.Message | Should -Match 'None of assignments 9, 12 has a customer with customer_id 1\.'
    }

    It 'looks for a piped customer_id in its own row''s assignment only' {
        $inTwelve = @(Get-CubeCustomer -AssignmentId 12)[0].customer_id
        $rows = @([pscustomobject]@{ assignment_id = 12; customer_id = $inTwelve }, [pscustomobject]@{ assignment_id = 9; customer_id = $inTwelve })
        $found = @($rows | Get-CubeCustomer -ErrorVariable failed -ErrorAction SilentlyContinue)
        $found.customer_id | Should -Be $inTwelve
        $failed.Count | Should -Be 1
        $failed[0].Exception.Message | Should -Match "Assignment 9 has no customer with customer_id $inTwelve"
    }

    It 'refuses an empty customer id when it binds, from the command line or a blank CSV cell' {
        { Get-CubeCustomer -AssignmentId 9 -CustomerId '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.GetCubeCustomerCommand'
        { Get-CubeCustomer -AssignmentId 9 -CustomerId ' ' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.GetCubeCustomerCommand'
        $rows = "assignment_id,customer_id`n9,2488539`n12," | ConvertFrom-Csv
        $found = @($rows | Get-CubeCustomer -ErrorVariable failed -ErrorAction SilentlyContinue)
        $found.customer_id | Should -Be 2488539
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].Exception.Message | Should -Match 'customer id is empty'
    }

    It 'says what -AssignmentId takes when it gets text that is not a number' {
        $err = { Get-CubeCustomer -AssignmentId 'nine' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,CubePS.Commands.GetCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match "'nine' is not an assignment id"
        @(Get-CubeCustomer -AssignmentId '12').Count | Should -Be 4
        @(Get-CubeCustomer -AssignmentId '0xC').Count | Should -Be 4
    }

    It 'states the total in Verbose, with or without -IncludeTotalCount' {
        $verbose = Get-CubeCustomer -AssignmentId 20 -First 1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'In all, 1,234 customers match'
        $withCount = @(Get-CubeCustomer -AssignmentId 20 -First 2 -IncludeTotalCount | Select-Object -Skip 1)
        $withCount.Count | Should -Be 2
        $withCount[0].customer_id | Should -Be 5000000
    }

    It 'completes -AssignmentId with the assignments this session has read, with their sizes' {
        $null = Get-CubeCustomer -AssignmentId 9, 12
        $line = 'Get-CubeCustomer -AssignmentId '
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $nine = $completion.CompletionMatches | Where-Object CompletionText -eq '9'
        $nine | Should -Not -BeNullOrEmpty
        $nine.ToolTip | Should -Match 'Assignment 9: 10 customers'
        ($completion.CompletionMatches | Where-Object CompletionText -eq '12').ToolTip | Should -Match '4 customers'
        $line = 'Test-CubeConnection '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain '12'
    }

    It 'shows the real default of every optional parameter in help' {
        $timeout = (Get-Help Connect-Cube -Parameter TimeoutSec)
        $timeout.defaultValue | Should -Be '100'
        (Get-Help Connect-Cube -Parameter MaximumRetryCount).defaultValue | Should -Be '4'
        (Get-Help Connect-Cube -Parameter RetryIntervalSec).defaultValue | Should -Be '2'
        (Get-Help Get-CubeCustomer -Parameter TimeoutSec).defaultValue | Should -Match '100'
        (Get-Help Export-CubeCustomer -Parameter Encoding).defaultValue | Should -Match 'utf8BOM'
    }
}

Describe 'build.ps1 -Task Simulator' {
    It 'starts the simulator, prints how to connect, and stops it cleanly on Ctrl+C' {
        $process = Start-PwshProcess -ArgumentList '-File', (Join-Path $PSScriptRoot '../../build.ps1'), '-Task', 'Simulator', '-NoBuild' -RedirectOutput
        try {
            $lines = [System.Collections.Generic.List[string]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ($lines -match 'Press Ctrl\+C') -and [DateTime]::UtcNow -lt $deadline) { $lines.Add($process.StandardOutput.ReadLine()) }
            $connectLine = ($lines | Where-Object { $_ -match '^\s+Connect-Cube ' } | Select-Object -First 1).Trim()
            $connectLine | Should -Match "^Connect-Cube -BaseUri http://127\.0\.0\.1:\d+/ -Token \(ConvertTo-SecureString 'cube-simulator-token'"
            $simulatorUri = [regex]::Match($connectLine, 'http://127\.0\.0\.1:\d+/').Value

            # The line works as printed.
            $connection = & ([scriptblock]::Create($connectLine + ' -PassThru'))
            @(Get-CubeCustomer -AssignmentId 12 -Connection $connection).Count | Should -Be 4

            # Ctrl+C: SIGINT, as the terminal sends it.
            & kill -INT $process.Id
            $process.WaitForExit(15000) | Should -BeTrue
            $process.StandardOutput.ReadToEnd() | Should -Match 'The Cube simulator is stopped'
            { Invoke-RestMethod ($simulatorUri + '_sim/stats') -TimeoutSec 2 } | Should -Throw
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            Connect-CubeSimulator
        }
    }
}
