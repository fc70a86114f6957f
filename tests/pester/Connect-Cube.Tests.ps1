# Connecting: Connect-Cube, Get-CubeConnection, Disconnect-Cube, -Connection, and the CUBE_*
# environment variables of unattended runs.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-CubeModulePath) -Force
    Clear-CubeEnvironment
    $script:sim = Get-CubeSimulator
}

Describe 'Connecting' {
    AfterEach {
        Disconnect-Cube
        Clear-CubeEnvironment
    }

    Describe 'Connect-Cube' {
        It 'connects with a token and makes that the session''s default' {
            Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) | Should -BeNullOrEmpty
            $connection = Get-CubeConnection
            $connection | Should -BeOfType CubePS.Connection
            $connection.BaseUri | Should -Be $sim.BaseUri
            $connection.AuthenticationKind | Should -Be 'Token'
            $connection.Source | Should -Be 'Connect-Cube'
            @(Get-CubeCustomer -AssignmentId 12).Count | Should -Be 4
        }

        It 'connects with a credential (HTTP Basic, UTF-8 password)' {
            Connect-Cube -BaseUri $sim.BaseUri -Credential (Get-SimulatorCredential)
            (Get-CubeConnection).AuthenticationKind | Should -Be 'Basic'
            (Get-CubeConnection).UserName | Should -Be $sim.UserName
            @(Get-CubeCustomer -AssignmentId 12).Count | Should -Be 4
        }

        It 'stops with CubeAuthenticationFailed for a wrong password' {
            $wrong = [pscredential]::new($sim.UserName, (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force))
            Connect-Cube -BaseUri $sim.BaseUri -Credential $wrong
            $err = { Get-CubeCustomer -AssignmentId 9 } | Should -Throw -ErrorId 'CubeAuthenticationFailed,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match "user $([regex]::Escape($sim.UserName))"
            ($err | Out-String) | Should -Not -Match 'wrong-password'
        }

        It 'turns -Account into the account''s headshed.com address without contacting it' {
            $connection = Connect-Cube -Account 'acme' -Token (Get-SimulatorToken) -PassThru
            $connection.BaseUri | Should -Be 'https://acme.headshed.com/'
            $connection.Account | Should -Be 'acme'
        }

        It 'writes the connection only with -PassThru' {
            Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) | Should -BeNullOrEmpty
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            $connection.pstypenames[0] | Should -Be 'CubePS.Connection'
        }

        It 'keeps request settings as the connection''s defaults' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -TimeoutSec 7 -MaximumRetryCount 1 -RetryIntervalSec 3 -PassThru
            $connection.TimeoutSec | Should -Be 7
            $connection.MaximumRetryCount | Should -Be 1
            $connection.RetryIntervalSec | Should -Be 3
        }

        It 'never shows the secret' {
            $secret = 'a-very-secret-token-123'
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString $secret -AsPlainText -Force) -PassThru -Verbose 4>&1
            $shown = ($connection | Out-String) + ($connection | Format-List * | Out-String) + ($connection | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue) + "$connection" + (Get-CubeConnection | Out-String)
            $shown | Should -Not -Match $secret
            $shown | Should -Match ([regex]::Escape($sim.BaseUri))
        }

        It 'refuses plain http to another host with CubeUnencryptedAuthentication' {
            { Connect-Cube -BaseUri 'http://cube.example.com' -Token (Get-SimulatorToken) } | Should -Throw -ErrorId 'CubeUnencryptedAuthentication,CubePS.Commands.ConnectCubeCommand'
            Get-CubeConnection | Should -BeNullOrEmpty
        }

        It 'allows plain http to another host with -AllowUnencryptedAuthentication' {
            $connection = Connect-Cube -BaseUri 'http://cube.example.com' -Token (Get-SimulatorToken) -AllowUnencryptedAuthentication -PassThru
            $connection.AllowUnencryptedAuthentication | Should -BeTrue
        }

        It 'rejects <Case> at parameter binding' -TestCases @(
            @{ Case = 'a host name as the account'; Arguments = @{ Account = 'acme.headshed.com' } }
            @{ Case = 'an account with a space'; Arguments = @{ Account = 'ac me' } }
            @{ Case = 'a relative base URI'; Arguments = @{ BaseUri = 'cube/api' } }
            @{ Case = 'a non-http base URI'; Arguments = @{ BaseUri = 'ftp://cube.example.com' } }
            @{ Case = 'an empty token'; Arguments = @{ BaseUri = 'https://cube.example.com'; Token = [securestring]::new() } }
        ) {
            if (-not $Arguments.ContainsKey('Token')) { $Arguments.Token = Get-SimulatorToken }
            { Connect-Cube @Arguments } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CubePS.Commands.ConnectCubeCommand'
        }

        It 'rejects conflicting parameters' {
            { Connect-Cube -Account acme -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) } | Should -Throw -ErrorId 'AmbiguousParameterSet,CubePS.Commands.ConnectCubeCommand'
            { Connect-Cube -Account acme -Token (Get-SimulatorToken) -Credential (Get-SimulatorCredential) } | Should -Throw -ErrorId 'AmbiguousParameterSet,CubePS.Commands.ConnectCubeCommand'
            $err = { Connect-Cube -Account acme -Token (Get-SimulatorToken) -ProxyCredential (Get-SimulatorCredential) } | Should -Throw -ErrorId 'CubeInvalidArgument,CubePS.Commands.ConnectCubeCommand' -PassThru
            # A message for the user, without .NET's "(Parameter 'options')".
            $err.Exception.Message | Should -BeExactly 'A proxy credential needs a proxy: give -Proxy as well.'
        }
    }

    Describe 'Disconnect-Cube and -Connection' {
        It 'forgets the default connection' {
            Connect-CubeSimulator
            Disconnect-Cube
            Get-CubeConnection | Should -BeNullOrEmpty
            { Get-CubeCustomer -AssignmentId 9 } | Should -Throw -ErrorId 'CubeNotConnected,CubePS.Commands.GetCubeCustomerCommand'
        }

        It 'uses -Connection instead of the default' {
            Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force)
            $good = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            Connect-Cube -BaseUri $sim.BaseUri -Token (ConvertTo-SecureString 'wrong-token' -AsPlainText -Force)
            @(Get-CubeCustomer -AssignmentId 12 -Connection $good).Count | Should -Be 4
        }

        It 'keeps a connection usable after Disconnect-Cube closed its sockets' {
            $connection = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            $connection | Disconnect-Cube
            Get-CubeConnection | Should -BeNullOrEmpty
            @(Get-CubeCustomer -AssignmentId 12 -Connection $connection).Count | Should -Be 4
        }

        It 'keeps the default connection per runspace' {
            Connect-CubeSimulator
            $other = [powershell]::Create()
            try {
                $null = $other.AddScript("Import-Module '$(Get-CubeModulePath)'; Get-CubeConnection")
                $seen = $other.Invoke()
                $seen | Should -BeNullOrEmpty
            }
            finally {
                $other.Dispose()
            }
            Get-CubeConnection | Should -Not -BeNullOrEmpty
        }

        It 'keeps this runspace''s connection when another runspace removes the module' {
            $mine = Connect-Cube -BaseUri $sim.BaseUri -Token (Get-SimulatorToken) -PassThru
            # Were this session's default closed, the commands would fall back to these variables:
            # another tenant, read without a word.
            $env:CUBE_BASE_URI = 'http://127.0.0.1:9/'
            $env:CUBE_TOKEN = 'another-tenants-token'
            try {
                $modulePath = Get-CubeModulePath
                $baseUri = $sim.BaseUri
                $token = $sim.Token
                $removed = 1, 2 | ForEach-Object -Parallel {
                    Import-Module $using:modulePath
                    Connect-Cube -BaseUri $using:baseUri -Token (ConvertTo-SecureString $using:token -AsPlainText -Force)
                    Remove-Module CubePS
                    $null -eq (Get-Module CubePS)
                }
                $removed | Should -Be @($true, $true)
                $current = Get-CubeConnection
                [object]::ReferenceEquals($current, $mine) | Should -BeTrue
                $current.Source | Should -Be 'Connect-Cube'
                @(Get-CubeCustomer -AssignmentId 12).Count | Should -Be 4
            }
            finally {
                Clear-CubeEnvironment
            }
        }
    }

    Describe 'Unattended use: CUBE_* environment variables' {
        It 'reads CUBE_BASE_URI and CUBE_TOKEN' {
            $env:CUBE_BASE_URI = $sim.BaseUri
            $env:CUBE_TOKEN = $sim.Token
            @(Get-CubeCustomer -AssignmentId 12).Count | Should -Be 4
            (Get-CubeConnection).Source | Should -Be 'Environment'
        }

        It 'reads CUBE_USERNAME and CUBE_PASSWORD' {
            $env:CUBE_BASE_URI = $sim.BaseUri
            $env:CUBE_USERNAME = $sim.UserName
            $env:CUBE_PASSWORD = $sim.Password
            @(Get-CubeCustomer -AssignmentId 12).Count | Should -Be 4
            (Get-CubeConnection).AuthenticationKind | Should -Be 'Basic'
        }

        It 'refuses plain http to another host from the variables, pointing at Connect-Cube (they have no switch to allow it)' {
            $env:CUBE_BASE_URI = 'http://cube.example.com/'
            $env:CUBE_TOKEN = 'abc-token'
            $err = { Get-CubeCustomer -AssignmentId 9 } | Should -Throw -ErrorId 'CubeUnencryptedAuthentication,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match 'Connect-Cube -AllowUnencryptedAuthentication'
        }

        It 'turns CUBE_ACCOUNT into the account''s address' {
            $env:CUBE_ACCOUNT = 'acme'
            $env:CUBE_TOKEN = 'abc-token'
            (Get-CubeConnection).BaseUri | Should -Be 'https://acme.headshed.com/'
        }

        It 'prefers Connect-Cube over the environment' {
            $env:CUBE_ACCOUNT = 'acme'
            $env:CUBE_TOKEN = 'abc-token'
            Connect-CubeSimulator
            (Get-CubeConnection).BaseUri | Should -Be $sim.BaseUri
        }

        It 'stops with CubeInvalidEnvironment when the variables conflict' {
            $env:CUBE_BASE_URI = $sim.BaseUri
            $env:CUBE_TOKEN = $sim.Token
            $env:CUBE_USERNAME = $sim.UserName
            $err = { Get-CubeCustomer -AssignmentId 9 } | Should -Throw -ErrorId 'CubeInvalidEnvironment,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match 'CUBE_TOKEN'
            ($err | Out-String) | Should -Not -Match $sim.Token
        }

        It 'stops with CubeNotConnected, saying how to connect, when nothing is configured' {
            $err = { Get-CubeCustomer -AssignmentId 9 } | Should -Throw -ErrorId 'CubeNotConnected,CubePS.Commands.GetCubeCustomerCommand' -PassThru
            $err.Exception.Message | Should -Match 'Connect-Cube'
            $err.Exception.Message | Should -Match 'CUBE_TOKEN'
        }

        It 'never prompts: a non-interactive run without configuration ends with the error' {
            $script = "Import-Module '$(Get-CubeModulePath)'; try { Get-CubeCustomer -AssignmentId 9 } catch { `$_.FullyQualifiedErrorId; exit 3 }"
            $run = Invoke-PwshProcess -ArgumentList '-Command', $script -CaptureOutput
            $run.ExitCode | Should -Be 3
            $run.Output | Should -Be 'CubeNotConnected,CubePS.Commands.GetCubeCustomerCommand'
        }
    }
}
