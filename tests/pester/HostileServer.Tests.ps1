# A server that misbehaves on purpose, end to end: nothing silently lost, altered, doubled or
# endless; every failure with its own id; no secret shown; messages that say what and where.

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

Describe 'Data lost, altered or doubled' {
    It 'reads an assignment again when a record is <Case> under its paging, and hands over every customer once' -ForEach @(
        @{ Case = 'deleted'; Delta = -1; Expected = 59 }
        @{ Case = 'inserted'; Delta = 1; Expected = 61 }
    ) {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 60; pageSize = 10; faults = @(@{ kind = 'shift'; afterPage = 2; delta = $Delta }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -Verbose }
        $call.Errors | Should -BeNullOrEmpty
        $call.Warnings | Should -BeNullOrEmpty
        $call.Output.Count | Should -Be $Expected
        ($call.Output.customer_id | Sort-Object -Unique).Count | Should -Be $Expected
        $call.Verbose | Should -Contain ($call.Verbose | Where-Object { $_ -like "Assignment $id changed while it was read*reading it again*" } | Select-Object -First 1)
    }

    It 'warns, naming the assignment and the counts, when the reads never agree, and still writes each customer once' {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'shift'; afterPage = 1; delta = 1; repeat = $true }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors | Should -BeNullOrEmpty
        $call.Warnings.Count | Should -Be 1
        $call.Warnings[0] | Should -Match "Assignment $id kept changing"
        $call.Warnings[0] | Should -Match '3 reads never agreed'
        $call.Warnings[0] | Should -Match 'count went from \d+ to \d+'
        ($call.Output.customer_id | Sort-Object -Unique).Count | Should -Be $call.Output.Count
    }

    It 'keeps integers of any size exact and no fraction rounded more than ConvertFrom-Json would' {
        $id = New-SimulatorAssignment @{ raw = @('[{"customer_id": 1, "big": 1234567890123456789012345678901234567890, "fraction": 0.1234567890123456789012345678901, "rate": 1.10}]') }
        $customer = Get-CubeCustomer -AssignmentId $id
        $customer.big | Should -BeOfType [System.Numerics.BigInteger]
        "$($customer.big)" | Should -BeExactly '1234567890123456789012345678901234567890'
        $customer.fraction | Should -Be ('0.1234567890123456789012345678901' | ConvertFrom-Json)
        $customer.rate | Should -BeOfType [decimal]
        $csv = ($customer | ConvertTo-Csv) -join "`n"
        $csv | Should -Match '"1234567890123456789012345678901234567890"'
    }
}

Describe 'Calls that never end or take far too long' {
    It 'ends paging <Case> with CubeInvalidResponse, in bounded time' -ForEach @(
        @{ Case = 'whose every page has a new next'; Fault = 'endlessNext'; Match = 'does not end' }
        @{ Case = 'that goes on with empty pages'; Fault = 'emptyPages'; Match = 'does not end' }
        @{ Case = 'whose next differs only by #fragment'; Fault = 'fragmentNext'; Match = 'links back to a page already read' }
    ) {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 20; pageSize = 5; faults = @(@{ kind = $Fault }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id, 12 }
        $call.Seconds | Should -BeLessThan 60
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match $Match
        $call.Output.Count | Should -Be 4
    }

    It 'takes an empty next link as the last page' {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 12; pageSize = 5; faults = @(@{ kind = 'emptyNext' }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors | Should -BeNullOrEmpty
        $call.Output.Count | Should -Be 12
    }

    It 'stops at once with CubeRateLimited when Cube asks for a longer wait than CubePS retries for, and leaves the rest of the call alone' {
        $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 429; retryAfter = '3600' }) }
        $later = New-SimulatorAssignment @{ kind = 'b2c' }
        Reset-SimulatorStats
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId 12, $id, $later, 9 }
        $call.Seconds | Should -BeLessThan 5
        $call.Output.Count | Should -Be 4
        $call.Errors.Count | Should -Be 3
        $call.Errors.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'CubeRateLimited,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $call.Errors[0].Exception.Message | Should -Match '3,600 s'
        $call.Errors[0].TargetObject | Should -Be $id
        $call.Errors[1].TargetObject | Should -Be $later
        $call.Errors[1].Exception.Message | Should -Match 'was not read: .* asks it nothing more'
        Get-SimulatorRequestCount $id | Should -Be 1
        # Assignments read ahead may have been asked once, at the same time as $id; never again.
        Get-SimulatorRequestCount $later | Should -BeLessOrEqual 1
        Get-SimulatorRequestCount 9 | Should -BeLessOrEqual 1
        $after = (Get-SimulatorStats).requests
        Start-Sleep -Milliseconds 300
        (Get-SimulatorStats).requests | Should -Be $after
    }

    It 'fails within a second with CubeConnectionFailed, naming the host, when the host name does not resolve' {
        $connection = Connect-Cube -BaseUri 'https://cube-typo-does-not-exist.invalid' -Token (Get-SimulatorToken) -PassThru
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId 9 -Connection $connection }
        $call.Seconds | Should -BeLessThan 3
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeConnectionFailed,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match 'cube-typo-does-not-exist\.invalid could not be found'
    }

    It 'measures -TimeoutSec against Cube, not against the queue of a connection shared by parallel calls' {
        # 24 calls at once on one connection, 600 ms per reply, 2 s timeout: a call that waits for
        # a request slot (8 per connection, so three rounds) must not count that wait.
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 20; pageSize = 0; latencyMs = 600 }
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
        $modulePath = Get-CubeModulePath
        $results = 1..24 | ForEach-Object -ThrottleLimit 24 -Parallel {
            Import-Module $using:modulePath
            $customers = @(Get-CubeCustomer -AssignmentId $using:id -Connection $using:connection -TimeoutSec 2 -MaximumRetryCount 0 -ErrorVariable failed -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Count = $customers.Count; Errors = @($failed).Count; Ids = ($failed | ForEach-Object FullyQualifiedErrorId) -join ',' }
        }
        ($results | Measure-Object Errors -Sum).Sum | Should -Be 0 -Because ($results.Ids -join ' ')
        $results.Count | Should -Be 24
        $results | ForEach-Object { $_.Count | Should -Be 20 }
    }

    It 'accepts every -TimeoutSec up to the documented maximum, and refuses more at binding' {
        @(Get-CubeCustomer -AssignmentId 12 -TimeoutSec 2147483).Count | Should -Be 4
        { Get-CubeCustomer -AssignmentId 12 -TimeoutSec 2147483647 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.GetCubeCustomerCommand'
        { Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -TimeoutSec 2147483648 } | Should -Throw
    }
}

Describe 'Crashes and wrong ids' {
    It 'writes CubeInvalidResponse for a reply <Case>, and goes on with the next assignment' -ForEach @(
        @{ Case = 'labelled gzip that is not'; Fault = 'gzipLie' }
        @{ Case = 'with corrupt gzip'; Fault = 'gzipCorrupt' }
    ) {
        $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = $Fault }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id, 12 }
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match 'cannot be decompressed'
        $call.Errors[0].Exception.Message | Should -Match "assignment $id"
        $call.Output.Count | Should -Be 4
    }

    It 'reads a reply whose byte order mark arrives split over reads' {
        $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'bomSplit'; delayMs = 100 }) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors | Should -BeNullOrEmpty
        $call.Output.Count | Should -Be 10
    }

    It 'refuses a CUBE_SPOOL_MEMORY_MB too large to mean anything with CubeInvalidEnvironment' {
        $env:CUBE_SPOOL_MEMORY_MB = '9223372036854775807'
        try {
            $err = { Get-CubeCustomer -AssignmentId 12 } | Should -Throw -ErrorId 'CubeInvalidEnvironment,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match 'from 0 to 1048576'
            $err.Exception.Message | Should -Not -Match 'Connect-Cube'
        }
        finally { Remove-Item env:CUBE_SPOOL_MEMORY_MB }
    }
}

Describe 'Secrets' {
    It 'masks the token however a next link spells it, in Verbose and in errors' {
        $encoded = -join ($sim.Token.ToCharArray() | ForEach-Object { '%{0:x2}' -f [int]$_ })
        $page1 = '{"count": 2, "next": "{next}&auth_copy=' + $encoded + '&t=' + $encoded + '", "results": [{"customer_id": 1}]}'
        $page2 = '{"count": 2, "next": "https://elsewhere.example/x?t=' + $encoded + '", "results": [{"customer_id": 2}]}'
        $id = New-SimulatorAssignment @{ raw = @($page1, $page2) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id -Verbose -Debug 5>&1 }
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeUnsafeNextLink,CubePS.Commands.GetCubeCustomerCommand'
        $shown = ($call.Verbose + $call.Errors.Exception.Message + $call.Errors.ErrorDetails.Message + ($call.Output | Out-String)) -join "`n"
        $shown | Should -Match '\*\*\*'
        $shown | Should -Not -Match ([regex]::Escape($encoded))
        $shown | Should -Not -Match ([regex]::Escape($encoded.ToUpperInvariant()))
        $shown | Should -Not -Match ([regex]::Escape($sim.Token))
    }

    It 'refuses a token too short to be masked, or with a character a header cannot carry: <Case>' -ForEach @(
        @{ Case = 'three characters'; Token = 'abc'; Match = 'shorter than 4' }
        @{ Case = 'a space inside'; Token = 'abc def ghi'; Match = 'a space at position 4' }
        @{ Case = 'a line break at the end'; Token = "abcdefgh`n"; Match = 'control character' }
        @{ Case = 'a Norwegian letter'; Token = 'abcdæfgh'; Match = 'outside ASCII' }
    ) {
        $err = { Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString $Token -AsPlainText -Force) } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.ConnectCubeCommand' -PassThru
        $err.Exception.Message | Should -Match $Match
        Connect-CubeSimulator
    }

    It 'refuses such a token in CUBE_TOKEN with CubeInvalidEnvironment' {
        Disconnect-Cube
        $env:CUBE_BASE_URI = $sim.BaseUri
        $env:CUBE_TOKEN = 'abc def ghi'
        try {
            $err = { Get-CubeCustomer -AssignmentId 12 } | Should -Throw -ErrorId 'CubeInvalidEnvironment,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match 'CUBE_TOKEN: The token has a space'
            $err.Exception.Message | Should -Not -Match 'abc def ghi'
        }
        finally {
            Clear-CubeEnvironment
            Connect-CubeSimulator
        }
    }
}

Describe 'Messages that say why' {
    It 'names the record and the key of <Case>' -ForEach @(
        @{ Case = 'a lone surrogate escape'; Raw = '[{"customer_id": 1}, {"customer_id": 2, "name": "Bad \ud800 text"}]'; Match = "Record 2 of the page: the value of 'name' has the escape \uD800" }
        @{ Case = 'a value nested too deeply'; Raw = '[{"customer_id": 1, "more_info_fields": ' + ('[' * 1100) + (']' * 1100) + '}]'; Match = "Record 1 of the page: the value of 'more_info_fields' is nested deeper than CubePS reads: 1024 levels in all, counting the page and the record around it" }
    ) {
        $id = New-SimulatorAssignment @{ raw = @($Raw) }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match ([regex]::Escape($Match))
    }

    It 'reads nested values as deep as ConvertFrom-Json does by default' {
        $nested = ('[' * 500) + '1' + (']' * 500)
        $id = New-SimulatorAssignment @{ raw = @('[{"customer_id": 1, "more_info_fields": ' + $nested + '}]') }
        (Get-CubeCustomer -AssignmentId $id).more_info_fields | Should -BeExactly $nested
    }
}

Describe 'Time and sessions' {
    It 'compares -UpdatedSince as an instant on a machine west of UTC, and never drops a customer of the cut-off''s day' {
        $id = New-SimulatorAssignment @{ kind = 'custom'; customRecords = @(
            [ordered]@{ customer_id = 1; updated = '2024-03-01T13:00:00Z' }
            [ordered]@{ customer_id = 2; updated = '2024-03-01T11:00:00Z' }
            [ordered]@{ customer_id = 3; updated = '2024-03-01' }
            [ordered]@{ customer_id = 4; updated = '2024-02-29' }
            [ordered]@{ customer_id = 5; updated = '2024-03-01T08:30:00-05:00' }
        ) }
        $script = @"
Import-Module '$(Get-CubeModulePath)'
Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force)
`$since = [datetime]::SpecifyKind([datetime]'2024-03-01T12:00:00', 'Utc')
(Get-CubeCustomer -AssignmentId $id -UpdatedSince `$since).customer_id -join ','
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -Environment @{ TZ = 'America/Los_Angeles' } -CaptureOutput
        $run.Output[-1] | Should -Be '1,3,5'
    }

    It 'lets a call finish when another runspace closes its connection under it' {
        $id = New-SimulatorAssignment @{ kind = 'synthetic'; records = 300; pageSize = 50; latencyMs = 200 }
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($ModulePath, $Connection, $Id) Import-Module $ModulePath; @(Get-CubeCustomer -AssignmentId $Id -Connection $Connection -MaximumRetryCount 0).Count').AddParameters(@{ ModulePath = (Get-CubeModulePath); Connection = $connection; Id = $id })
        $handle = $ps.BeginInvoke()
        Start-Sleep -Milliseconds 500
        Disconnect-Cube -Connection $connection
        $count = $ps.EndInvoke($handle)
        $ps.Streams.Error | Should -BeNullOrEmpty
        $count | Should -Be 300
        $ps.Dispose()
        Connect-CubeSimulator
    }
}
