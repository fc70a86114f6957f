# Every quantity a server controls has one bound (issue 18), end to end: what the cmdlets say and
# do when the simulator sends what no Cube sends.

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

Describe 'Text a server sends that stays for the call' {
    It 'refuses a key longer than 1,024 bytes with CubeInvalidResponse, naming the limit, in a short message' {
        $key = 'k' * 200000
        $id = New-SimulatorAssignment @{ raw = @("[{`"customer_id`": 1, `"$key`": 1}]") }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match '1,024 bytes'
        $call.Errors[0].Exception.Message | Should -Match '\(200,000 bytes in all\)'
        $call.Errors[0].Exception.Message.Length | Should -BeLessThan 1000
        $call.Errors[0].ErrorDetails.Message.Length | Should -BeLessThan 2000
    }

    It 'refuses a customer_id longer than 512 bytes with CubeInvalidResponse, naming the limit' {
        $customerId = '7' * 100000
        $id = New-SimulatorAssignment @{ raw = @("[{`"customer_id`": `"$customerId`"}, {`"customer_id`": `"$customerId`"}]") }
        $call = Invoke-CapturedCall { Export-CubeCustomer -AssignmentId $id -LiteralPath (Join-Path $TestDrive 'ids.csv') }
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.ExportCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match 'customer_id .* 512 bytes'
        $call.Errors[0].Exception.Message.Length | Should -BeLessThan 1000
    }

    It 'names keys equal but for case in warnings of bounded length' {
        $key = 'Region' + ('x' * 1000)
        $id = New-SimulatorAssignment @{ raw = @("[{`"customer_id`": 1, `"$key`": 1, `"$($key.ToLowerInvariant())`": 2}]") }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors | Should -BeNullOrEmpty
        $call.Warnings.Count | Should -Be 1
        $call.Warnings[0] | Should -Match '\(1,006 characters in all\)'
        $call.Warnings[0].Length | Should -BeLessThan 800
    }
}

Describe 'Numbers whose conversion would not end' {
    It 'keeps an integer past ConvertFrom-Json''s limit as the text Cube sent, and Export-Csv writes it at once' {
        $digits = '1' + ('0' * 1499999)
        $id = New-SimulatorAssignment @{ raw = @("[{`"customer_id`": 1, `"huge`": $digits, `"small`": 12345678901234567890}]") }
        $path = Join-Path $TestDrive 'huge.csv'
        Get-CubeCustomer -AssignmentId $id | Export-Csv -LiteralPath $path -NoTypeInformation
        $row = Import-Csv -LiteralPath $path
        $row.huge | Should -BeExactly $digits
        $row.small | Should -BeExactly '12345678901234567890'
        $customer = Get-CubeCustomer -AssignmentId $id
        $customer.huge | Should -BeOfType [string]
        $customer.small | Should -BeOfType [System.Numerics.BigInteger]
        # ConvertFrom-Json refuses it: CubePS keeps it whole instead.
        { "[$digits]" | ConvertFrom-Json } | Should -Throw
    }
}

Describe 'Links and waits a server gives' {
    It 'refuses a next link that is not an absolute http(s) URL before any request, with CubeInvalidResponse' {
        $id = New-SimulatorAssignment @{ raw = @('{"count": 2, "next": "?page=2", "results": [{"customer_id": 1}]}', '{"count": 2, "next": null, "results": [{"customer_id": 2}]}') }
        Reset-SimulatorStats
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id }
        $call.Errors.Count | Should -Be 1
        $call.Errors[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $call.Errors[0].Exception.Message | Should -Match 'not an absolute http\(s\) URL'
        Get-SimulatorRequestCount $id | Should -Be 1
    }

    It 'says a Retry-After of more than a century one way, in the error and for the assignments not requested' {
        $id = New-SimulatorAssignment @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 429; retryAfter = '99999999999' }) }
        $later = New-SimulatorAssignment @{ kind = 'b2c' }
        $call = Invoke-CapturedCall { Get-CubeCustomer -AssignmentId $id, $later }
        $call.Errors.Count | Should -Be 2
        $call.Errors[0].Exception.Message | Should -Match 'wait more than a century'
        $call.Errors[1].Exception.Message | Should -Match 'was not read: Cube asked CubePS to wait more than a century'
        $call.Errors.Exception.Message | Should -Not -Match '\d{3},\d{3},\d{3} s'
    }
}

Describe 'TLS that cannot be made' {
    It 'says an https address that serves plain HTTP is one, with what to do, in <Command>' -ForEach @(
        @{ Command = 'Get-CubeCustomer' }
        @{ Command = 'Test-CubeConnection' }
    ) {
        # The simulator serves plain HTTP: its port under https:// is the mistake to explain.
        $plain = [uri](Get-CubeSimulator).BaseUri
        $connection = Connect-Cube -BaseUri "https://$($plain.Authority)/" -Token (Get-SimulatorToken) -PassThru
        if ($Command -eq 'Get-CubeCustomer') {
            # A certificate failure ends the call: no request of this connection can succeed.
            $err = { Get-CubeCustomer -AssignmentId 12 -Connection $connection } | Should -Throw -ErrorId 'CubeCertificateRejected,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $message = $err.Exception.Message
            $err.ErrorDetails.RecommendedAction | Should -Match 'Check the port'
        }
        else {
            $test = Test-CubeConnection -Connection $connection
            $test.ErrorId | Should -Be 'CubeCertificateRejected'
            $message = $test.Message
        }
        $message | Should -Match 'answered in plain HTTP, not TLS'
        $message | Should -Match 'Check the port'
        $message | Should -Not -Match 'see inner exception'
    }
}
