# Get-CubeCustomer end to end: the built module against the Cube simulator over real HTTP.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator

    # The seed's example record: its keys, in its order, are the standard fields plus 4 extras.
    $script:seedRecord = Get-Content -Raw (Join-Path $PSScriptRoot '../CubeSimulator/seed-record.json') | ConvertFrom-Json
    $script:seedKeys = @($seedRecord.psobject.Properties.Name)
    $script:b2bKeys = $seedKeys + 'Medlemsnummer', 'Kontaktperson'
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-tests-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $temp | Out-Null
}

AfterAll {
    Disconnect-Cube
    Remove-Item -Recurse -Force $temp -ErrorAction SilentlyContinue
}

Describe 'Records as objects' {
    BeforeAll {
        $script:customers = @(Get-CubeCustomer -AssignmentId 9)
    }

    It 'writes one CubePS.Customer object per record' {
        $customers.Count | Should -Be 10
        $customers | ForEach-Object { $_.pstypenames[0] | Should -Be 'CubePS.Customer' }
        $customers[0] | Should -BeOfType [pscustomobject]
    }

    It 'names the properties exactly as Cube sends the keys, in order of first appearance' {
        @($customers[0].psobject.Properties.Name) | Should -Be $b2bKeys
    }

    It 'gives every object of the call the same properties in the same order' {
        foreach ($customer in $customers) {
            @($customer.psobject.Properties.Name) | Should -Be $b2bKeys
        }
    }

    It 'holds the seed record''s values with their JSON types' {
        $seed = $customers | Where-Object customer_id -eq 2488539
        $seed.customer_id | Should -BeOfType [long]
        $seed.assignment_id | Should -Be 9
        $seed.name | Should -BeExactly 'Lastname, Firstname'
        $seed.phone_1 | Should -BeOfType [string]
        $seed.phone_1 | Should -BeExactly '99999999'
        $seed.number_of_employees | Should -BeExactly '6'
        $seed.updated | Should -BeOfType [string]
        $seed.updated | Should -BeExactly '2016-04-07'
        $seed.gender | Should -BeNullOrEmpty
        $seed.Klassifisering | Should -BeExactly 'C'
        $seed.Medlemsnummer | Should -Be $null
        foreach ($key in $seedKeys) {
            if ($null -eq $seedRecord.$key -or $seedRecord.$key -is [pscustomobject]) { continue }
            "$($seed.$key)" | Should -BeExactly "$($seedRecord.$key)" -Because "the value of '$key'"
        }
    }

    It 'keeps leading zeros, plus signs and Norwegian letters in strings' {
        $oslo = $customers | Where-Object city -eq 'OSLO'
        $oslo.zip_code | Should -BeExactly '0150'
        $oslo.phone_1 | Should -BeExactly '+4722334455'
        $oslo.Medlemsnummer | Should -BeExactly '01999'
        ($customers | Where-Object city -eq 'BODØ').Kontaktperson | Should -BeExactly 'Kåre Ødegård'
    }

    It 'turns nested values into compact JSON text' {
        ($customers | Where-Object city -eq 'TROMSØ').more_info_fields | Should -BeExactly '{"kilde":"Messe 2016","notater":["ring tilbake","sendt e-post"]}'
        $customers[0].more_info_fields | Should -BeExactly '{}'
    }

    It 'works with Where-Object and Sort-Object' {
        $north = @($customers | Where-Object Region -eq 'Nord-Norge' | Sort-Object customer_id)
        $north.customer_id | Should -Be @(2488540, 2488543)
        @($customers | Where-Object { $_.updated -ge '2024-01-01' }).customer_id | Should -Be @(2488546, 2488547, 2488548)
    }

    It 'shows customer_id, name, city, phone_1 and updated in the default table' {
        $table = ($customers | Select-Object -First 2 | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $table[0] -split '\s+' | Where-Object { $_ } | Should -Be @('customer_id', 'name', 'city', 'phone_1', 'updated')
    }

    It 'keeps every property for Select-Object and ConvertTo-Json' {
        @(($customers[0] | Select-Object *).psobject.Properties.Name) | Should -Be $b2bKeys
        ($customers[0] | ConvertTo-Json | ConvertFrom-Json).psobject.Properties.Name | Should -Be $b2bKeys
    }

    It 'writes only PSObjects with plain .NET values' {
        foreach ($value in $customers.ForEach({ $_.psobject.Properties.Value })) {
            if ($null -ne $value) {
                $value.GetType().FullName | Should -BeIn @('System.String', 'System.Int64', 'System.Decimal', 'System.Double', 'System.Boolean')
            }
        }
    }
}

Describe 'Export-Csv' {
    BeforeAll {
        $script:csv = Join-Path $temp 'customers.csv'
        Get-CubeCustomer -AssignmentId 9 | Export-Csv -LiteralPath $csv -Encoding utf8
        $script:rows = @(Import-Csv -LiteralPath $csv -Encoding utf8)
        $script:text = Get-Content -Raw -LiteralPath $csv -Encoding utf8
    }

    It 'has a column for every key, also those the first record lacks' {
        $header = (Get-Content -LiteralPath $csv -TotalCount 1 -Encoding utf8) -split ',' | ForEach-Object Trim '"'
        $header | Should -Be $b2bKeys
        $header | Should -Contain 'Medlemsnummer'
        $header | Should -Contain 'Kontaktperson'
    }

    It 'has every record with its values, Norwegian letters intact' {
        $rows.Count | Should -Be 10
        ($rows | Where-Object customer_id -eq '2488540').Kontaktperson | Should -BeExactly 'Kåre Ødegård'
        ($rows | Where-Object customer_id -eq '2488540').Medlemsnummer | Should -BeExactly '00417'
        ($rows | Where-Object customer_id -eq '2488542').zip_code | Should -BeExactly '0150'
        ($rows | Where-Object customer_id -eq '2488546').city | Should -BeExactly 'LILLESTRØM'
        ($rows | Where-Object customer_id -eq '2488539').updated | Should -BeExactly '2016-04-07'
    }

    It 'never holds a .NET type name in a cell' {
        $text | Should -Not -Match 'System\.Collections|System\.Object\[\]|@\{|System\.Management'
        ($rows | Where-Object customer_id -eq '2488543').more_info_fields | Should -BeExactly '{"kilde":"Messe 2016","notater":["ring tilbake","sendt e-post"]}'
    }
}

Describe 'Several assignments in one call' {
    BeforeAll {
        $script:b2cKeys = @((Get-CubeCustomer -AssignmentId 12)[0].psobject.Properties.Name)
        $script:expectedKeys = @($b2bKeys) + @($b2cKeys | Where-Object { $_ -notin $b2bKeys })
    }

    It 'gives objects of both assignments one property set, from a parameter array' {
        $both = @(Get-CubeCustomer -AssignmentId 9, 12)
        $both.Count | Should -Be 14
        foreach ($customer in $both) {
            @($customer.psobject.Properties.Name) | Should -Be $expectedKeys
        }
        $both[0].assignment_id | Should -Be 9
        $both[-1].assignment_id | Should -Be 12
        ($both | Where-Object customer_id -eq 3100002).Samtykke | Should -BeExactly 'Nei'
        $both[0].Samtykke | Should -Be $null
    }

    It 'gives objects of both assignments one property set, from the pipeline' {
        $both = @(9, 12 | Get-CubeCustomer)
        $both.Count | Should -Be 14
        foreach ($customer in $both) {
            @($customer.psobject.Properties.Name) | Should -Be $expectedKeys
        }
    }

    It 'puts the columns of both into one CSV' {
        $csv = Join-Path $temp 'both.csv'
        9, 12 | Get-CubeCustomer | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -Be 14
        $rows[0].psobject.Properties.Name | Should -Be $expectedKeys
        ($rows | Where-Object customer_id -eq '3100003').Kundetype | Should -BeExactly 'Gull'
    }

    It 'reads an assignment asked for twice only once' {
        Reset-SimulatorStats
        @(Get-CubeCustomer -AssignmentId 9, 9).Count | Should -Be 10
        Get-SimulatorRequestCount 9 | Should -Be 1
    }
}

Describe 'Pipeline input by property name' {
    It 'takes assignment_id from Import-Csv rows' {
        $csv = Join-Path $temp 'ids.csv'
        "assignment_id`n12" | Set-Content -LiteralPath $csv
        $customers = @(Import-Csv $csv | Get-CubeCustomer)
        $customers.Count | Should -Be 4
        $customers.assignment_id | Sort-Object -Unique | Should -Be 12
    }

    It 'takes AssignmentId and customer_id from objects, so customers can be read again' {
        $two = Get-CubeCustomer -AssignmentId 9 | Select-Object -Last 2
        Reset-SimulatorStats
        $again = @($two | Get-CubeCustomer)
        $again.customer_id | Should -Be $two.customer_id
        Get-SimulatorRequestCount 9 | Should -Be 1
    }
}

Describe 'Parameter validation' {
    It 'rejects assignment id <Id> before any request' -TestCases @(@{ Id = 0 }, @{ Id = -3 }) {
        Reset-SimulatorStats
        { Get-CubeCustomer -AssignmentId $Id -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.GetCubeCustomerCommand'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'rejects a bad id from the pipeline and goes on with the others' {
        $customers = @(0, 12 | Get-CubeCustomer -ErrorVariable bad -ErrorAction SilentlyContinue)
        $customers.Count | Should -Be 4
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
    }
}

Describe 'Filters' {
    It 'returns only the customers given with -CustomerId, with every column still there' {
        $some = @(Get-CubeCustomer -AssignmentId 9 -CustomerId 2488540, 2488546)
        $some.customer_id | Should -Be @(2488540, 2488546)
        @($some[0].psobject.Properties.Name) | Should -Be $b2bKeys
    }

    It 'finds each customer piped back in by its own id, whatever its form, and no other' {
        $id = New-SimulatorAssignment @{ raw = @('[{"customer_id": "042", "n": "a"}, {"customer_id": 42, "n": "b"}, {"customer_id": "ABC", "n": "c"}, {"customer_id": 1.5, "n": "d"}, {"customer_id": 2, "n": "e"}, {"customer_id": 12345678901234567890123, "n": "f"}]') }
        $all = @(Get-CubeCustomer $id)
        foreach ($customer in $all) {
            $again = @($customer | Get-CubeCustomer -AssignmentId $id)
            $again.Count | Should -Be 1 -Because "customer_id $($customer.customer_id) is one customer"
            $again[0].n | Should -BeExactly $customer.n
        }

        $result = Invoke-CapturedCall { $all | Select-Object -First 3 | Get-CubeCustomer -AssignmentId $id }
        $result.Output.n | Should -Be @('a', 'b', 'c')
        $result.Errors.Count | Should -Be 0
    }

    It 'returns only customers updated on or after -UpdatedSince' {
        $recent = @(Get-CubeCustomer -AssignmentId 9 -UpdatedSince '2024-03-01')
        $recent.customer_id | Should -Be @(2488547, 2488548)
        $recent.updated | Should -Be @('2024-03-01', '2024-03-02')
    }

    It 'keeps -UpdatedSince''s columns those of the whole assignment' {
        $recent = @(Get-CubeCustomer -AssignmentId 9 -UpdatedSince '2024-03-02')
        $recent.Count | Should -Be 1
        @($recent[0].psobject.Properties.Name) | Should -Be $b2bKeys
    }

    It 'keeps records without a date under -UpdatedSince and says so' {
        Set-SimulatorAssignment -Id 5101 -Setup @{
            kind = 'custom'
            customRecords = @(
                [ordered]@{ customer_id = 1; updated = '2020-01-01' }
                [ordered]@{ customer_id = 2; updated = $null }
                [ordered]@{ customer_id = 3; updated = '2025-06-01' }
            )
        }
        $kept = @(Get-CubeCustomer -AssignmentId 5101 -UpdatedSince '2024-01-01' -WarningVariable warned -WarningAction SilentlyContinue)
        $kept.customer_id | Should -Be @(2, 3)
        $warned | Should -Match '1 customer has no date'
    }
}

Describe 'Paging' {
    It 'follows next links until the last page of the envelope' {
        $paged = @(Get-CubeCustomer -AssignmentId 20)
        $paged.Count | Should -Be 1234
        ($paged.customer_id | Sort-Object -Unique).Count | Should -Be 1234
        $paged[0].customer_id | Should -Be 5000000
        $paged[-1].customer_id | Should -Be 5001233
    }

    It 'gives the same objects for a bare array and for the envelope' {
        $records = 1..7 | ForEach-Object { [ordered]@{ customer_id = $_; name = "Kunde $_"; city = 'ÅLESUND' } }
        Set-SimulatorAssignment -Id 5102 -Setup @{ kind = 'custom'; pageSize = 0; customRecords = $records }
        Set-SimulatorAssignment -Id 5103 -Setup @{ kind = 'custom'; pageSize = 3; customRecords = $records }
        $bare = Get-CubeCustomer -AssignmentId 5102 | ConvertTo-Json -Compress
        $paged = Get-CubeCustomer -AssignmentId 5103 | ConvertTo-Json -Compress
        $paged | Should -BeExactly $bare
    }

    It 'passes keys it has never heard of through' {
        Set-SimulatorAssignment -Id 5104 -Setup @{ kind = 'custom'; customRecords = @([ordered]@{ customer_id = 1; brand_new_field = 'ny'; score = 4.25; vip = $true }) }
        $customer = Get-CubeCustomer -AssignmentId 5104
        $customer.brand_new_field | Should -BeExactly 'ny'
        $customer.score | Should -Be 4.25
        $customer.vip | Should -BeTrue
    }
}

Describe 'Errors' {
    It 'writes CubeAssignmentNotFound for an unknown assignment and goes on with the next' {
        $customers = @(Get-CubeCustomer -AssignmentId 404404, 12 -ErrorVariable failed -ErrorAction SilentlyContinue)
        $customers.Count | Should -Be 4
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeAssignmentNotFound,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].TargetObject | Should -Be 404404
        $failed[0].ErrorDetails.Message | Should -Match 'Not found'
        $failed[0].Exception.StatusCode | Should -Be 404
    }

    It 'stops with CubeAuthenticationFailed when the token is refused, without showing it' {
        $wrong = ConvertTo-SecureString 'not-the-right-token' -AsPlainText -Force
        $connection = Connect-Cube -BaseUri $sim.BaseUri -Token $wrong -PassThru
        try {
            $err = { Get-CubeCustomer -AssignmentId 9, 12 -Connection $connection } | Should -Throw -ErrorId 'CubeAuthenticationFailed,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            ($err | Out-String) + $err.ErrorDetails.Message | Should -Not -Match 'not-the-right-token'
        }
        finally {
            Connect-CubeSimulator
        }
    }

    It 'writes CubeAssignmentForbidden (PermissionDenied) for an assignment the user may not read, and goes on with the others' {
        $customers = @(Get-CubeCustomer -AssignmentId 9, 77, 12 -ErrorVariable failed -ErrorAction SilentlyContinue)
        $customers.Count | Should -Be 14
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeAssignmentForbidden,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failed[0].TargetObject | Should -Be 77
        $failed[0].Exception.StatusCode | Should -Be 403
    }

    It 'writes CubeRequestFailed with the status and Cube''s reply for a server error' {
        Set-SimulatorAssignment -Id 5105 -Setup @{ kind = 'b2b'; faults = @(@{ kind = 'status'; status = 500 }) }
        Get-CubeCustomer -AssignmentId 5105 -MaximumRetryCount 0 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeRequestFailed,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failed[0].Exception.Message | Should -Match '500'
        $failed[0].ErrorDetails.Message | Should -Match 'Cube replied: <html><body><h1>500'
    }

    It 'writes CubeInvalidResponse for an HTML page served with status 200' {
        Set-SimulatorAssignment -Id 5106 -Setup @{ kind = 'b2b'; faults = @(@{ kind = 'html' }) }
        Get-CubeCustomer -AssignmentId 5106 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $failed[0].Exception.Message | Should -Match 'text/html'
    }

    It 'writes no record of an assignment that fails part way, and keeps the others' {
        Set-SimulatorAssignment -Id 5107 -Setup @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'truncate'; page = 3; afterBytes = 500 }) }
        $customers = @(Get-CubeCustomer -AssignmentId 12, 5107 -ErrorVariable failed -ErrorAction SilentlyContinue)
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeInvalidResponse,CubePS.Commands.GetCubeCustomerCommand'
        $customers.Count | Should -Be 4
        $customers.assignment_id | Sort-Object -Unique | Should -Be 12
        @($customers[0].psobject.Properties.Name) | Should -Not -Contain 'first_name'
    }
}
