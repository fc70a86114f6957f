# Export-CubeCustomer end to end: files that Excel and other systems read correctly, written whole
# or not at all, byte for byte what Export-Csv writes for the same customers.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-export-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $temp
    # Every .xlsx written here is read back by openpyxl (Debian's python3-openpyxl, which pandas
    # reads with too), a reader nobody on this project wrote: tests/tools/read_xlsx.py prints what it
    # sees as JSON. Without it the tests fail (build.ps1 -Task Test installs it as root).
    function script:Read-Workbook {
        # -Rows: every row as a list of values; otherwise each row below the header as an ordered
        # dictionary of header to value.
        param([Parameter(Mandatory)][string] $Path, [switch] $Rows)
        $json = & /usr/bin/python3 (Join-Path $PSScriptRoot '../tools/read_xlsx.py') $Path
        if ($LASTEXITCODE -ne 0) { throw "openpyxl could not read $Path (install python3-openpyxl)." }
        $workbook = $json | ConvertFrom-Json -NoEnumerate
        if ($Rows) { return , $workbook }
        $list = [System.Collections.Generic.List[object]]::new()
        $header = @($workbook.rows[0])
        foreach ($row in @($workbook.rows | Select-Object -Skip 1)) {
            $values = [ordered]@{}
            for ($i = 0; $i -lt $header.Count; $i++) { $values[$header[$i]] = if ($i -lt @($row).Count) { @($row)[$i] } else { $null } }
            $list.Add($values)
        }
        return , $list
    }

    # Customers that have broken CSV files: quotes, separators, line breaks, Norwegian letters, an
    # emoji, numbers of every kind, negative numbers, booleans, nulls, nested values, keys that
    # PowerShell renames, and a field only a later record has.
    $script:tricky = New-SimulatorAssignment @{ raw = @(@'
[{"customer_id": 1, "name": "Quote \" and ; and , in it", "zip_code": "0150", "phone_1": "+4722334455", "notes": "two\nlines\r\nthree", "rate": 1.10, "big": 1234567890123456789012345678901234567890, "small": -0.5, "exp": 1.5e300, "neg": -42, "active": true, "deleted": false, "gone": null, "more_info_fields": {"kilde": "Messe ø", "liste": [1, 2.5]}, "Region": "Nord", "region": "nord", "": "empty key", "PSObject": "reserved"},
 {"customer_id": 2, "name": "Ærlig Ødegård 😀", "zip_code": "00417", "fraction": 0.1234567890123456789012345678901, "Only2": "x", "tab": "a\tb", "formula": "=HYPERLINK(\"http://x.example\",\"klikk\")", "at": "@SUM(A1)", "escaped": "_x0041_"}]
'@) }
    $script:varied = @(9, 12, 20, $tricky)
}

AfterAll {
    Disconnect-Cube
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'CSV' {
    It 'is byte for byte what Get-CubeCustomer | Export-Csv writes, in <Culture> with <Options>' -ForEach @(
        @{ Culture = 'en-US'; Options = @{} }
        @{ Culture = 'nb-NO'; Options = @{ UseCulture = $true } }
        @{ Culture = 'de-DE'; Options = @{ Delimiter = ';'; Encoding = 'unicode' } }
        @{ Culture = 'en-US'; Options = @{ Delimiter = "`t"; Encoding = 'utf8NoBOM' } }
        @{ Culture = 'fr-FR'; Options = @{ Encoding = 'utf32' } }
        @{ Culture = 'en-US'; Options = @{ Encoding = 'ascii' } }
        @{ Culture = 'nb-NO'; Options = @{ Encoding = 'latin1'; UseCulture = $true } }
    ) {
        $saved = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = $Culture
            $encoding = if ($Options.Encoding) { $Options.Encoding } else { 'utf8BOM' }
            $exportCsvOptions = @{} + $Options
            $exportCsvOptions.Encoding = $encoding
            Get-CubeCustomer -AssignmentId $varied -WarningAction SilentlyContinue | Export-Csv -LiteralPath "$temp/expected.csv" @exportCsvOptions
            Export-CubeCustomer -AssignmentId $varied -LiteralPath "$temp/actual.csv" @Options -WarningAction SilentlyContinue
            $expected = [IO.File]::ReadAllBytes("$temp/expected.csv")
            $actual = [IO.File]::ReadAllBytes("$temp/actual.csv")
            $actual.Length | Should -Be $expected.Length
            [Convert]::ToBase64String($actual) | Should -BeExactly ([Convert]::ToBase64String($expected))
        }
        finally { [cultureinfo]::CurrentCulture = $saved }
    }

    It 'writes UTF-8 with a byte order mark by default, for Excel' {
        Export-CubeCustomer 9 "$temp/bom.csv"
        [IO.File]::ReadAllBytes("$temp/bom.csv")[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        (Get-Content "$temp/bom.csv" -Encoding utf8 -TotalCount 1) | Should -Match '^"customer_id","name",'
    }

    It 'keeps the columns of Get-CubeCustomer, also those only later records have' {
        Export-CubeCustomer 9, 12 "$temp/columns.csv"
        $header = @((Import-Csv "$temp/columns.csv" -Encoding utf8)[0].psobject.Properties.Name)
        $header | Should -Be @((Get-CubeCustomer 9, 12)[0].psobject.Properties.Name)
        $header | Should -Contain 'Kontaktperson'
        $header | Should -Contain 'Samtykke'
    }
}

Describe 'Xlsx' {
    BeforeAll {
        Export-CubeCustomer -AssignmentId 9, $tricky -Path "$temp/customers.xlsx" -WarningAction SilentlyContinue
        # Each row a dictionary of header to cell value (a List, so PowerShell does not unroll the rows).
        $script:rows = Read-Workbook "$temp/customers.xlsx"
        $archive = [IO.Compression.ZipFile]::OpenRead("$temp/customers.xlsx")
        try {
            $entry = $archive.Entries | Where-Object FullName -like 'xl/worksheets/sheet*.xml' | Select-Object -First 1
            $reader = [IO.StreamReader]::new($entry.Open())
            $script:sheet = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $archive.Dispose() }
    }

    It 'has one worksheet with a header row, frozen, with an autofilter on it' {
        $sheet | Should -Match '<(\w+:)?pane [^>]*ySplit="1"[^>]*state="frozen"'
        $sheet | Should -Match '<(\w+:)?autoFilter ref="A1:'
        $rows.Count | Should -Be 12
        @($rows[0].Keys) | Should -Be @((Get-CubeCustomer 9, $tricky -WarningAction SilentlyContinue)[0].psobject.Properties.Name)
    }

    It 'keeps every text a text cell: leading zeros, +47 and long numbers survive' {
        $oslo = $rows | Where-Object { $_['city'] -eq 'OSLO' }
        $oslo['zip_code'] | Should -BeExactly '0150'
        $oslo['phone_1'] | Should -BeExactly '+4722334455'
        ($rows | Where-Object { $_['city'] -eq 'BODØ' })['Medlemsnummer'] | Should -BeExactly '00417'
        ($rows | Where-Object { $_['customer_id'] -eq 2488539 })['org_number'] | Should -BeExactly '989898981'
        ($rows | Where-Object { $_['customer_id'] -eq 2488539 })['number_of_employees'] | Should -BeExactly '6'
    }

    It 'keeps line breaks as Cube sent them: a carriage return as a character reference, which XML readers keep' {
        ($rows | Where-Object { $_['customer_id'] -eq 1 })['notes'] | Should -BeExactly "two`nlines`r`nthree"
        $sheet | Should -Match "two`nlines&#13;`nthree"
        $sheet | Should -Not -Match "`r"
    }

    It 'shows a carriage return in a field name as a control picture, so keys that differ only in their line break stay distinct' {
        $id = New-SimulatorAssignment @{ raw = @('[{"customer_id": 1, "two\r\nline key": "a\rb", "two\nline key": "lf", "two\rline key": "cr"}]') }
        Export-CubeCustomer $id "$temp/keys.xlsx"
        $keyRows = Read-Workbook "$temp/keys.xlsx"
        @($keyRows[0].Keys) | Should -Be @('customer_id', "two$([char]0x240D)`nline key", "two`nline key", "two$([char]0x240D)line key")
        $keyRows[0]["two$([char]0x240D)`nline key"] | Should -BeExactly "a`rb"
        $keyRows[0]["two`nline key"] | Should -BeExactly 'lf'
        $keyRows[0]["two$([char]0x240D)line key"] | Should -BeExactly 'cr'
    }

    It 'reads back every text as Cube sent it, through the module: emoji, white space at the ends, control characters, escapes, right to left' {
        $raw = '[{"customer_id": 1, "emoji": "Kari \ud83d\udc4d\ud83c\udffd ringte", "kanji": "\ud842\udfb7\u91ce\u5bb6", "lead": " lead", "trail": "trail ", "both": "  both  ", "space": " ", "tab": "\tx", "lf": "x\n", "ctl": "a\u0001b", "escape": "_x0041_", "rtl": "\u05e9\u05dc\u05d5\u05dd", "crlf": "a\r\nb", "\ud83d\ude00 key": "k"}]'
        $id = New-SimulatorAssignment @{ raw = @($raw) }
        Export-CubeCustomer $id "$temp/awkward.xlsx"
        $read = Read-Workbook "$temp/awkward.xlsx"
        $sent = ($raw | ConvertFrom-Json -AsHashtable)[0]
        foreach ($key in $sent.Keys) {
            # openpyxl leaves the spec's escape of a character XML cannot hold (U+0001) undecoded.
            $expected = if ($key -eq 'ctl') { 'a_x0001_b' } else { $sent[$key] }
            $read[0][$key] | Should -BeExactly $expected -Because $key
        }
    }

    It 'stops on a value longer than a cell holds with CubeWorksheetLimit, its customer_id as the target, advising .csv or .jsonl, and leaves the target as it was' {
        $long = 'x' * 32768
        $id = New-SimulatorAssignment @{ raw = @("[{`"customer_id`": 7, `"notes`": `"short`"}, {`"customer_id`": 2488539, `"notes`": `"$long`"}]") }
        'an older workbook' | Set-Content "$temp/long.xlsx"
        $failure = { Export-CubeCustomer $id "$temp/long.xlsx" } | Should -Throw -ErrorId 'CubeWorksheetLimit,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $failure.TargetObject | Should -Be 2488539
        $failure.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $failure.Exception.Message | Should -Match "'notes' of customer_id 2488539 has 32,768 characters"
        $failure.ErrorDetails.RecommendedAction | Should -Match '-Format Csv or -Format JsonLines'
        Get-Content "$temp/long.xlsx" | Should -Be 'an older workbook'
        @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }

    It 'writes a whole workbook into a named pipe, and counts its bytes' -Skip:$IsWindows {
        $fifo = Join-Path $temp 'workbook.fifo'
        & mkfifo $fifo
        $start = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($argument in '-c', 'cat "$1" > "$2"', 'sh', $fifo, "$temp/from-fifo.xlsx") { $start.ArgumentList.Add($argument) }
        $copy = [Diagnostics.Process]::Start($start)
        try {
            $result = Export-CubeCustomer -AssignmentId 9, $tricky -LiteralPath $fifo -Format Xlsx -PassThru -WarningAction SilentlyContinue
            $copy.WaitForExit(30000) | Should -BeTrue
        }
        finally { if (-not $copy.HasExited) { $copy.Kill() } }
        $result.Bytes | Should -Be (Get-Item "$temp/from-fifo.xlsx").Length
        $piped = Read-Workbook "$temp/from-fifo.xlsx"
        $piped.Count | Should -Be 12
        ($piped | Where-Object { $_['customer_id'] -eq 2 })['name'] | Should -BeExactly 'Ærlig Ødegård 😀'
    }

    It 'keeps values that look like formulas or escapes as the text Cube sent: no formula at all' {
        $second = $rows | Where-Object { $_['customer_id'] -eq 2 }
        $second['formula'] | Should -BeExactly '=HYPERLINK("http://x.example","klikk")'
        $second['at'] | Should -BeExactly '@SUM(A1)'
        $second['escaped'] | Should -BeExactly '_x0041_'
        $sheet | Should -Not -Match '<(\w+:)?f[ >]'
    }

    It 'writes numbers as numbers, booleans as booleans and null as an empty cell' {
        $first = $rows | Where-Object { $_['customer_id'] -eq 1 }
        $first['customer_id'] | Should -BeOfType [long]
        $first['rate'] | Should -Be 1.1
        $first['neg'] | Should -Be -42
        $first['active'] | Should -BeTrue
        $first['active'] | Should -BeOfType [bool]
        $first['gone'] | Should -BeNullOrEmpty
        # More digits than Excel keeps: text, not a rounded number.
        $first['big'] | Should -BeExactly '1234567890123456789012345678901234567890'
        $first['exp'] | Should -Be 1.5e300
        $second = $rows | Where-Object { $_['customer_id'] -eq 2 }
        $second['fraction'] | Should -BeExactly '0.1234567890123456789012345678901'
        $second['name'] | Should -BeExactly 'Ærlig Ødegård 😀'
    }
}

Describe 'JSON Lines' {
    It 'writes one object per customer as Cube sent it, null values and exact digits included' {
        Export-CubeCustomer -AssignmentId 9, $tricky -Path "$temp/customers.jsonl"
        $lines = @(Get-Content "$temp/customers.jsonl" -Encoding utf8)
        $lines.Count | Should -Be 12
        [IO.File]::ReadAllBytes("$temp/customers.jsonl")[0] | Should -Be ([byte][char]'{')
        $seed = Get-Content -Raw (Join-Path $PSScriptRoot '../CubeSimulator/seed-record.json') | ConvertFrom-Json
        $first = $lines[0] | ConvertFrom-Json
        @($first.psobject.Properties.Name) | Should -Be @($seed.psobject.Properties.Name)
        foreach ($key in $seed.psobject.Properties.Name) {
            ($first.$key | ConvertTo-Json -Compress) | Should -BeExactly ($seed.$key | ConvertTo-Json -Compress) -Because $key
        }
        $tricky1 = $lines | Where-Object { $_ -like '{"customer_id":1,*' }
        $tricky1 | Should -Match '"big":1234567890123456789012345678901234567890,'
        $tricky1 | Should -Match '"rate":1.10,'
        $tricky1 | Should -Match '"exp":1.5e300,'
        $tricky1 | Should -Match '"gone":null,'
        $tricky1 | Should -Match '"":"empty key",'
        $tricky1 | Should -Match '"region":"nord"'
    }
}

Describe 'A quiet night' {
    It 'writes the header of the standard fields when Cube has no customers: <Format>' -ForEach @(@{ Format = 'csv' }, @{ Format = 'xlsx' }, @{ Format = 'jsonl' }) {
        $empty = New-SimulatorAssignment @{ kind = 'custom'; customRecords = @() }
        Export-CubeCustomer $empty "$temp/empty.$Format"
        $standard = @('customer_id', 'name', 'gender', 'birth_date', 'assignment_id')
        switch ($Format) {
            'csv' { ((Get-Content "$temp/empty.csv" -Encoding utf8) -join '') | Should -Match ('^"' + ($standard -join '","') + '",') ; @(Get-Content "$temp/empty.csv").Count | Should -Be 1 }
            'xlsx' {
                $sheet = (Read-Workbook "$temp/empty.xlsx" -Rows).rows
                @($sheet).Count | Should -Be 1
                @($sheet[0])[0..4] | Should -Be $standard
            }
            'jsonl' { (Get-Item "$temp/empty.jsonl").Length | Should -Be 0 }
        }
    }

    It 'keeps the columns of the customers Cube sent when -UpdatedSince leaves none' {
        Export-CubeCustomer 9 "$temp/none.csv" -UpdatedSince '2099-01-01'
        $lines = @(Get-Content "$temp/none.csv" -Encoding utf8)
        $lines.Count | Should -Be 1
        $lines[0] | Should -Match '"Kontaktperson"'
    }
}

Describe 'Nothing half written' {
    BeforeEach {
        'an older export' | Set-Content "$temp/nightly.csv"
        $script:before = (Get-FileHash "$temp/nightly.csv").Hash
    }

    It 'leaves the target as it was when the call stops on an error mid-download' {
        $failing = New-SimulatorAssignment @{ kind = 'synthetic'; records = 30; pageSize = 10; faults = @(@{ kind = 'truncate'; page = 3; afterBytes = 200 }) }
        { Export-CubeCustomer 12, $failing "$temp/nightly.csv" -ErrorAction Stop } | Should -Throw -ErrorId 'CubeInvalidResponse,CubePS.Commands.ExportCubeCustomerCommand'
        (Get-FileHash "$temp/nightly.csv").Hash | Should -Be $before
        @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }

    It 'leaves the target as it was when the credentials are refused' {
        $wrong = Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force) -PassThru
        { Export-CubeCustomer 12 "$temp/nightly.csv" -Connection $wrong } | Should -Throw -ErrorId 'CubeAuthenticationFailed,CubePS.Commands.ExportCubeCustomerCommand'
        (Get-FileHash "$temp/nightly.csv").Hash | Should -Be $before
        Connect-CubeSimulator
    }

    It 'leaves the target as it was after Ctrl+C, and no temporary file' {
        $slow = New-SimulatorAssignment @{ kind = 'synthetic'; records = 2000; pageSize = 100; latencyMs = 200 }
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($ModulePath, $BaseUri, $Token, $Id, $Path) Import-Module $ModulePath; Connect-Cube -BaseUri $BaseUri -Token (ConvertTo-SecureString $Token -AsPlainText -Force); Export-CubeCustomer $Id $Path').AddParameters(@{ ModulePath = (Get-CubeModulePath); BaseUri = $sim.BaseUri; Token = $sim.Token; Id = $slow; Path = "$temp/nightly.csv" })
        $handle = $ps.BeginInvoke()
        Start-Sleep -Milliseconds 800
        $ps.Stop()
        $ps.Dispose()
        (Get-FileHash "$temp/nightly.csv").Hash | Should -Be $before
        @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }

    It 'leaves the target as it was after SIGTERM mid-write (timeout, systemd, a stopped CI job), and no temporary file' -Skip:$IsWindows {
        $large = New-SimulatorAssignment @{ kind = 'synthetic'; records = 200000; pageSize = 5000 }
        $folder = Join-Path $temp 'sigterm'
        $null = New-Item -ItemType Directory $folder
        'the old export' | Set-Content "$folder/nightly.xlsx"
        $script = "Import-Module '$(Get-CubeModulePath)'; Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force); Export-CubeCustomer $large '$folder/nightly.xlsx'"
        $process = Start-PwshProcess -ArgumentList '-Command', $script
        try {
            # The temporary file exists only while the workbook is written, after the download.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Get-ChildItem $folder -Force -Filter '*.cubeps-tmp') -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 1
            Start-Sleep -Milliseconds 300
            & kill -TERM $process.Id
            $process.WaitForExit(30000) | Should -BeTrue
        }
        finally {
            if (-not $process.HasExited) { $process.Kill() }
        }
        Get-Content "$folder/nightly.xlsx" | Should -Be 'the old export'
        @(Get-ChildItem $folder -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
        Remove-SimulatorAssignment $large
    }

    It 'writes the assignments that could be read, and the error of the one that could not' {
        Export-CubeCustomer 404404, 12 "$temp/nightly.csv" -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CubeAssignmentNotFound,CubePS.Commands.ExportCubeCustomerCommand'
        @(Import-Csv "$temp/nightly.csv" -Encoding utf8).Count | Should -Be 4
    }

    It 'leaves the target as it was when no assignment of the call could be read' {
        Export-CubeCustomer 12 "$temp/kept.csv"
        $kept = (Get-FileHash "$temp/kept.csv").Hash
        $result = Invoke-CapturedCall { Export-CubeCustomer 404404, 77 "$temp/kept.csv" -PassThru }
        @($result.Errors.FullyQualifiedErrorId) | Should -Be @('CubeAssignmentNotFound,CubePS.Commands.ExportCubeCustomerCommand', 'CubeAssignmentForbidden,CubePS.Commands.ExportCubeCustomerCommand')
        $result.Warnings | Should -Match 'was not written'
        $result.Output.Count | Should -Be 0
        (Get-FileHash "$temp/kept.csv").Hash | Should -Be $kept
        @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }
}

Describe 'Replacing a file' {
    It 'keeps a symbolic link a link and the file''s permissions, as Export-Csv''s overwrite does' -Skip:$IsWindows {
        'an older export' | Set-Content "$temp/private.csv"
        chmod 600 "$temp/private.csv"
        $null = New-Item -ItemType SymbolicLink -Path "$temp/latest.csv" -Target "$temp/private.csv"
        Export-CubeCustomer 12 "$temp/latest.csv"
        (Get-Item "$temp/latest.csv").LinkType | Should -Be 'SymbolicLink'
        @(Import-Csv "$temp/private.csv" -Encoding utf8).Count | Should -Be @(Get-CubeCustomer 12).Count
        (Get-Item "$temp/private.csv").UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        @(Get-ChildItem $temp -Force -Filter '*.cubeps-tmp').Count | Should -Be 0
    }
}

Describe 'Parameters' {
    It 'requests nothing and writes nothing with -WhatIf' {
        Reset-SimulatorStats
        Export-CubeCustomer 9 "$temp/whatif.csv" -WhatIf
        "$temp/whatif.csv" | Should -Not -Exist
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'refuses to replace a file with -NoClobber, before any request' {
        'keep me' | Set-Content "$temp/keep.csv"
        Reset-SimulatorStats
        { Export-CubeCustomer 9 "$temp/keep.csv" -NoClobber } | Should -Throw -ErrorId 'CubeFileExists,CubePS.Commands.ExportCubeCustomerCommand'
        Get-Content "$temp/keep.csv" | Should -Be 'keep me'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'says what -WhatIf would do, also with -NoClobber and an existing file, and requests nothing' {
        'keep me' | Set-Content "$temp/keep-whatif.csv"
        Reset-SimulatorStats
        { Export-CubeCustomer 9 "$temp/keep-whatif.csv" -NoClobber -WhatIf } | Should -Not -Throw
        Get-Content "$temp/keep-whatif.csv" | Should -Be 'keep me'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'refuses to replace a read-only file, as Export-Csv does without -Force, before any request' {
        'protected' | Set-Content "$temp/readonly.csv"
        (Get-Item "$temp/readonly.csv").IsReadOnly = $true
        try {
            Reset-SimulatorStats
            $err = { Export-CubeCustomer 9 "$temp/readonly.csv" } | Should -Throw -ErrorId 'CubeExportFailed,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.Exception.Message | Should -Match 'is read-only'
            Get-Content "$temp/readonly.csv" | Should -Be 'protected'
            (Get-SimulatorStats).requests | Should -Be 0
        }
        finally {
            (Get-Item "$temp/readonly.csv").IsReadOnly = $false
        }
    }

    It 'refuses a folder where no file can be created, naming the folder, before any request' -Skip:(-not $IsLinux) {
        # /proc exists, but no file can be made in it, not even by root.
        Reset-SimulatorStats
        $err = { Export-CubeCustomer 9 '/proc/cubeps-export.csv' } | Should -Throw -ErrorId 'CubeExportFailed,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match 'Cannot create a file in the folder /proc,'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'says to name -Path when a file name lands in the first position and the assignments are piped in' {
        $err = { 9, 12 | Export-CubeCustomer "$temp/inn.csv" } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape("name the path: ... | Export-CubeCustomer -Path '$temp/inn.csv'"))
        "$temp/inn.csv" | Should -Not -Exist
        9, 12 | Export-CubeCustomer -Path "$temp/inn.csv"
        @(Import-Csv "$temp/inn.csv" -Encoding utf8).Count | Should -Be 14
    }

    It 'replaces the file an escaped -Path names, as Export-Csv does' {
        'old' | Set-Content -LiteralPath "$temp/h[1].csv"
        Export-CubeCustomer 12 -Path "$temp/h``[1``].csv"
        @(Import-Csv -LiteralPath "$temp/h[1].csv" -Encoding utf8).Count | Should -Be 4
        Test-Path -LiteralPath ($temp + '/h`[1`].csv') | Should -BeFalse
    }

    It 'passes on a -Confirm prompt the host cannot answer as the host raised it, as Export-Csv does, not as a CubePS bug' {
        # A console whose input is closed: the prompt itself fails inside PowerShell's host.
        $script = @"
Set-Location '$temp'
Import-Module '$(Get-CubeModulePath)'
Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force)
try { 'a' | Export-Csv confirm-ps.csv -Confirm } catch { 'PS:' + `$_.Exception.GetType().FullName }
try { Export-CubeCustomer 12 confirm-cube.csv -Confirm } catch { 'CUBE:' + `$_.Exception.GetType().FullName + ':' + `$_.FullyQualifiedErrorId }
"@
        $process = Start-PwshProcess -ArgumentList '-Command', $script -Environment @{ NO_COLOR = '1' } -Interactive -RedirectInput -RedirectOutput
        $process.StandardInput.Close()
        $output = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $hostFailure = [regex]::Match($output, 'PS:(\S+)').Groups[1].Value
        $hostFailure | Should -Not -BeNullOrEmpty
        $output | Should -Match ("CUBE:" + [regex]::Escape($hostFailure) + ":")
        $output | Should -Not -Match 'CubeUnexpectedError'
        "$temp/confirm-cube.csv" | Should -Not -Exist
    }

    It 'refuses a file name whose format it cannot tell, before any request, unless -Format says' {
        Reset-SimulatorStats
        $err = { Export-CubeCustomer 9 "$temp/customers.txt" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match '-Format'
        (Get-SimulatorStats).requests | Should -Be 0
        Export-CubeCustomer 9 "$temp/customers.txt" -Format JsonLines
        @(Get-Content "$temp/customers.txt").Count | Should -Be 10
    }

    It 'refuses CSV options for another format, and a folder that does not exist, before any request' {
        Reset-SimulatorStats
        { Export-CubeCustomer 9 "$temp/x.xlsx" -UseCulture } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand'
        $err = { Export-CubeCustomer 9 "$temp/no-such-folder/x.csv" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'takes assignments from the pipeline, by value and by property name' {
        9, 12 | Export-CubeCustomer -Path "$temp/piped.csv"
        @(Import-Csv "$temp/piped.csv" -Encoding utf8).Count | Should -Be 14
        "assignment_id`n12" | Set-Content "$temp/ids.csv"
        Import-Csv "$temp/ids.csv" | Export-CubeCustomer -Path "$temp/by-name.csv"
        @(Import-Csv "$temp/by-name.csv" -Encoding utf8).Count | Should -Be 4
    }

    It 'resolves wildcards in -Path as Export-Csv does: exactly one existing file' {
        { Export-CubeCustomer 12 "$temp/wild-*.csv" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand'
        'old' | Set-Content "$temp/wild-1.csv"
        Export-CubeCustomer 12 "$temp/wild-*.csv"
        @(Import-Csv "$temp/wild-1.csv" -Encoding utf8).Count | Should -Be 4
        @(Get-ChildItem "$temp/wild-*").Count | Should -Be 1
        'old' | Set-Content "$temp/wild-2.csv"
        $err = { Export-CubeCustomer 12 "$temp/wild-*.csv" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match 'matches 2 files'
    }

    It 'writes a file whose name is as long as a name can be, as Export-Csv does' {
        $long = "$temp/" + ('n' * 250) + '.csv'
        Export-CubeCustomer 12 -LiteralPath $long
        @(Import-Csv -LiteralPath $long -Encoding utf8).Count | Should -Be @(Get-CubeCustomer 12).Count
    }

    It 'refuses a path with a NUL in it as an argument error, before any request' {
        { Export-CubeCustomer 12 -LiteralPath "$temp/a`0b.csv" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand'
    }

    It 'writes -Encoding oem as Export-Csv does on this system' {
        Export-CubeCustomer 12 "$temp/oem-cube.csv" -Encoding oem
        Get-CubeCustomer 12 | Export-Csv "$temp/oem-ps.csv" -Encoding oem
        (Get-FileHash "$temp/oem-cube.csv").Hash | Should -Be (Get-FileHash "$temp/oem-ps.csv").Hash
    }

    It 'refuses a folder as the target, before any request' {
        $null = New-Item -ItemType Directory "$temp/folder.csv"
        Reset-SimulatorStats
        $err = { Export-CubeCustomer 12 "$temp/folder.csv" } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ExportCubeCustomerCommand' -PassThru
        $err.Exception.Message | Should -Match 'is a folder'
        (Get-SimulatorStats).requests | Should -Be 0
    }

    It 'writes to a -LiteralPath with wildcard characters in it' {
        Export-CubeCustomer 12 -LiteralPath "$temp/[nightly].csv"
        Test-Path -LiteralPath "$temp/[nightly].csv" | Should -BeTrue
    }

    It 'stops at -First' {
        Reset-SimulatorStats
        Export-CubeCustomer 20 "$temp/first.csv" -First 10
        @(Import-Csv "$temp/first.csv" -Encoding utf8).Count | Should -Be 10
        Get-SimulatorRequestCount 20 | Should -Be 1
    }

    It 'writes a CubePS.ExportResult with -PassThru, shown as a table' {
        $result = Export-CubeCustomer 9 "$temp/result.xlsx" -PassThru
        $result | Should -BeOfType ([CubePS.ExportResult])
        $result.Path | Should -Be (Join-Path $temp 'result.xlsx')
        $result.Format | Should -Be 'Xlsx'
        $result.Customers | Should -Be 10
        $result.Columns | Should -Be @((Get-CubeCustomer 9)[0].psobject.Properties).Count
        $result.Bytes | Should -Be (Get-Item "$temp/result.xlsx").Length
        ($result | Out-String) | Should -Match "Xlsx\s+10\s+$($result.Columns)\s"
    }
}

Describe 'Beside ImportExcel' {
    It 'imports and writes .xlsx in a session where EPPlus is loaded, and EPPlus still works' {
        # The .NET Framework build, which ImportExcel ships and PowerShell 7 loads as well.
        $epplus = Join-Path (Get-NuGetPackagesPath) 'epplus/4.5.3.3/lib/net40/EPPlus.dll'
        $script = @"
Add-Type -Path '$epplus'
`$package = [OfficeOpenXml.ExcelPackage]::new()
`$null = `$package.Workbook.Worksheets.Add('Sheet1')
`$package.SaveAs([IO.FileInfo]'$temp/epplus-before.xlsx')
Import-Module '$(Get-CubeModulePath)'
Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force)
(Export-CubeCustomer 12 '$temp/beside-epplus.xlsx' -PassThru).Customers
`$again = [OfficeOpenXml.ExcelPackage]::new([IO.FileInfo]'$temp/beside-epplus.xlsx')
`$again.Workbook.Worksheets[1].Cells['A2'].Value
"@
        $run = Invoke-PwshProcess -ArgumentList '-Command', $script -CaptureOutput
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Output[-2] | Should -Be 4
        $run.Output[-1] | Should -Be 3100001
    }
}
