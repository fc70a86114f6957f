# Help: every exported cmdlet and every parameter has help, examples (one of them a runbook),
# and types and pipeline input as the cmdlet really has them; about_CubePS exists.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + 'UseTransaction'
    $script:commands = @(Get-Command -Module CubePS -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    $script:parameters = @(Get-Command -Module CubePS -CommandType Cmdlet | ForEach-Object {
            $command = $_
            $command.Parameters.Values | Where-Object { $_.Name -notin $common } | ForEach-Object { @{ Name = $command.Name; Parameter = $_.Name } }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force

    function Get-ExpectedPipelineInput($Parameter) {
        $attributes = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $kinds = @()
        if ($attributes | Where-Object ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
        if ($attributes | Where-Object ValueFromPipeline) { $kinds += 'ByValue' }
        if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
    }
}

Describe 'Cmdlet help' {
    It '<Name> has a synopsis, a description, outputs and at least two examples' -ForEach $commands {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell makes the synopsis out of the syntax.
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        @($help.examples.example | Where-Object { -not $_.code }) | Should -BeNullOrEmpty
        @($help.returnValues.returnValue).Count | Should -BeGreaterOrEqual 1
        ($help.returnValues.returnValue[0].type.name) | Should -Not -BeNullOrEmpty
    }

    It '<Name> has an example for a runbook or unattended run' -ForEach $commands {
        $examples = (Get-Help $Name -Examples).examples.example
        ($examples | ForEach-Object { $_.title + ' ' + $_.code + ' ' + ($_.remarks.Text -join ' ') }) -join "`n" | Should -Match 'runbook|unattended'
    }

    It '<Name> -<Parameter> has a description, its type and its pipeline input' -ForEach $parameters {
        $metadata = (Get-Command $Name).Parameters[$Parameter]
        $help = (Get-Help $Name -Parameter $Parameter)
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        $type = $metadata.ParameterType
        if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GetGenericArguments()[0] }
        $help.type.name | Should -Be $type.FullName
        $help.pipelineInput | Should -Be (Get-ExpectedPipelineInput $metadata)
        $positions = @($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Position -ge 0 } | ForEach-Object Position)
        $help.position | Should -Be $(if ($positions.Count) { "$($positions[0])" } else { 'named' })
        $wildcards = [bool]($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $help.globbing | Should -Be $wildcards.ToString().ToLowerInvariant()
    }

    It 'shows -WhatIf and -Confirm in the syntax of Export-CubeCustomer, which supports them' {
        $syntax = (Get-Help Export-CubeCustomer).syntax | Out-String
        $syntax | Should -Match '\[-WhatIf\]'
        $syntax | Should -Match '\[-Confirm\]'
        (Get-Help Get-CubeCustomer).syntax | Out-String | Should -Not -Match 'WhatIf'
    }

    It 'shows the full help of Get-CubeCustomer with its syntax, parameters and examples' {
        $text = Get-Help Get-CubeCustomer -Full | Out-String -Width 200
        $text | Should -Match 'SYNTAX'
        $text | Should -Match 'Get-CubeCustomer \[-AssignmentId\] <Int32\[\]>'
        $text | Should -Match '-UpdatedSince <DateTime>'
        $text | Should -Match 'Accept pipeline input\?\s+True \(ByPropertyName, ByValue\)'
        $text | Should -Match 'Aliases\s+assignment_id'
        $text | Should -Match 'nightly runbook'
        $text | Should -Match 'CubePS.Customer'
    }
}

Describe 'about_CubePS' {
    It 'explains <Topic>' -ForEach @(
        @{ Topic = 'connecting'; Pattern = 'CONNECTING' }
        @{ Topic = 'unattended use'; Pattern = 'CUBE_TOKEN' }
        @{ Topic = 'the one-schema guarantee'; Pattern = 'ONE SET OF COLUMNS PER CALL' }
        @{ Topic = 'nested fields'; Pattern = 'compact JSON text' }
        @{ Topic = 'errors'; Pattern = 'CubeAssignmentNotFound' }
        @{ Topic = 'exporting for Excel'; Pattern = 'utf8BOM' }
        @{ Topic = 'Export-CubeCustomer'; Pattern = 'EXPORTING' }
        @{ Topic = 'values that are text'; Pattern = '\[int\]\$_\.number_of_employees' }
        @{ Topic = 'data that changes while it is read'; Pattern = 'until two agree' }
        @{ Topic = 'testing a connection'; Pattern = 'Test-CubeConnection' }
        @{ Topic = 'the total count'; Pattern = 'Select-Object -Skip 1' }
    ) {
        Get-Help about_CubePS | Out-String | Should -Match $Pattern
    }

    It 'lists every error id the module can report, as README does' {
        $ids = [CubePS.Connection].Assembly.GetType('CubePS.Errors.CubeErrorIds', $true).GetFields() | ForEach-Object { $_.GetValue($null) }
        $ids.Count | Should -BeGreaterThan 20
        $about = Get-Help about_CubePS | Out-String
        $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
        foreach ($id in $ids) {
            $about | Should -Match "\b$id\b" -Because "about_CubePS should explain $id"
            $readme | Should -Match "``$id``" -Because "README's error table should list $id"
        }
    }
}
