# Progress: shown for work that lasts over a second, per page with the total when Cube gives
# one, completed at the end, silent when $ProgressPreference is SilentlyContinue.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:sim = Get-CubeSimulator
    # 20 pages of 100 at 300 ms each, fetched a few at a time: about two seconds.
    Set-SimulatorAssignment -Id 7001 -Setup @{ kind = 'synthetic'; records = 2000; pageSize = 100; latencyMs = 300 }

    function Invoke-WithProgress {
        param([string] $Preference, [string] $Command)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("param(`$ModulePath, `$BaseUri, `$Token) `$ProgressPreference = '$Preference'; Import-Module `$ModulePath; Connect-Cube -BaseUri `$BaseUri -Token (ConvertTo-SecureString `$Token -AsPlainText -Force); $Command")
            $null = $ps.AddParameters(@{ ModulePath = (Get-CubeModulePath); BaseUri = $sim.BaseUri; Token = $sim.Token })
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = $output; Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Progress' {
    It 'reports pages with the total, and completes, for work over a second' {
        $run = Invoke-WithProgress 'Continue' '@(Get-CubeCustomer -AssignmentId 7001).Count'
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be 2000
        $reading = @($run.Progress | Where-Object StatusDescription -match 'customers read')
        $reading.Count | Should -BeGreaterThan 0
        $reading[-1].Activity | Should -Be 'Get-CubeCustomer'
        $reading[-1].StatusDescription | Should -Match 'Assignment 7001: [\d,.\s]+ of 2[,.\s]?000 customers read \(page \d+\)'
        $reading[-1].PercentComplete | Should -BeGreaterThan 0
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'reports assignments done of all and the customers so far when a call reads many' {
        foreach ($id in 7002..7009) { Set-SimulatorAssignment -Id $id -Setup @{ kind = 'synthetic'; records = 300; pageSize = 100; latencyMs = 300 } }
        $run = Invoke-WithProgress 'Continue' '@(Get-CubeCustomer -AssignmentId (7002..7009) -ThrottleLimit 2).Count'
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be 2400
        $reading = @($run.Progress | Where-Object StatusDescription -match 'assignments done')
        $reading.Count | Should -BeGreaterThan 0
        $reading[-1].StatusDescription | Should -Match '^\d of 8 assignments done, [\d,.\s]+ customers so far; Assignment 70\d\d: '
        $reading[-1].PercentComplete | Should -BeGreaterThan 0
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'reports nothing for work that ends within a second' {
        $run = Invoke-WithProgress 'Continue' '@(Get-CubeCustomer -AssignmentId 12).Count'
        $run.Output | Should -Be 4
        $run.Progress | Should -BeNullOrEmpty
    }

    It 'is silent when $ProgressPreference is SilentlyContinue' {
        $run = Invoke-WithProgress 'SilentlyContinue' '@(Get-CubeCustomer -AssignmentId 7001).Count'
        $run.Output | Should -Be 2000
        $run.Progress | Should -BeNullOrEmpty
    }
}
