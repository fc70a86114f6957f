# The Gallery package: the nupkg that ./build.ps1 -Task Package makes installs from a local
# repository with no network, and the installed module imports by name in a fresh pwsh and works.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $version = (Import-PowerShellDataFile (Join-Path $root 'CubePS.psd1')).ModuleVersion
    $script:package = Join-Path $root "out/CubePS.$version.nupkg"
    $script:version = $version
    $script:sim = Get-CubeSimulator

    function Invoke-IsolatedPwsh {
        # A fresh pwsh whose home folders (and so PSResourceGet's settings and the CurrentUser
        # module folder) are $HomeDirectory; returns its output lines.
        param([string] $HomeDirectory, [string] $Command)
        $run = Invoke-PwshProcess -ArgumentList @('-Command', $Command) -Environment (New-IsolatedHome $HomeDirectory) -CaptureOutput
        if ($run.ExitCode -ne 0) { throw "pwsh failed ($($run.ExitCode)): $($run.Output) $($run.Error)" }
        return $run.Output
    }
}

Describe 'Gallery package' {
    It 'exists with the manifest''s version' {
        $package | Should -Exist
    }

    It 'installs from a local repository, offline, and imports by name in a fresh pwsh' {
        $isolated = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-install-" + [guid]::NewGuid().ToString('N'))
        $repository = Join-Path $isolated 'repository'
        $null = New-Item -ItemType Directory -Path $repository
        Copy-Item $package $repository
        try {
            $installed = @(Invoke-IsolatedPwsh $isolated @"
Register-PSResourceRepository -Name CubeLocal -Uri '$repository' -Trusted
Install-PSResource -Name CubePS -Repository CubeLocal -Scope CurrentUser -TrustRepository -Quiet
(Get-InstalledPSResource -Name CubePS).Version.ToString()
"@)
            $installed[-1] | Should -Be $version

            $used = @(Invoke-IsolatedPwsh $isolated @"
Import-Module CubePS -ErrorAction Stop
(Get-Module CubePS).ModuleBase
Connect-Cube -BaseUri '$($sim.BaseUri)' -Token (ConvertTo-SecureString '$($sim.Token)' -AsPlainText -Force)
@(Get-CubeCustomer -AssignmentId 12).Count
(Get-Help Get-CubeCustomer).Synopsis
"@)
            $used[0] | Should -BeLike "$isolated*"
            $used[1] | Should -Be 4
            $used[2] | Should -Match 'customers of one or more Cube assignments'
        }
        finally {
            Remove-Item -LiteralPath $isolated -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
