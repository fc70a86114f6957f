# build.ps1 -Task Publish: Publish-PSResource with the API key from the environment or
# SecretManagement (never the command line, never the output), -WhatIf, tried against a local
# file repository (the Gallery itself is out of reach here, and must not be published to by tests).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:version = (Import-PowerShellDataFile (Join-Path $root 'CubePS.psd1')).ModuleVersion
    $script:temp = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-publish-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $temp
    $script:apiKey = 'oy2-not-a-real-key-' + [guid]::NewGuid().ToString('N')

    function Invoke-PublishTask {
        <# build.ps1 -Task Publish -NoBuild (the module in out/ is the one under test) and $Arguments; no key unless $Environment has one. #>
        param([string[]] $Arguments = @(), [hashtable] $Environment = @{})
        $merged = @{ CUBEPS_GALLERY_API_KEY = $null }
        foreach ($name in $Environment.Keys) { $merged[$name] = $Environment[$name] }
        Invoke-PwshProcess -ArgumentList (@('-File', (Join-Path $root 'build.ps1'), '-Task', 'Publish', '-NoBuild') + $Arguments) -Environment $merged -CaptureOutput
    }
}

AfterAll {
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build.ps1 -Task Publish' {
    It '-WhatIf shows the version, the target and every file that would go, and publishes nothing' {
        $repository = Join-Path $temp 'whatif'
        $null = New-Item -ItemType Directory -Path $repository
        $run = Invoke-PublishTask -Arguments '-Repository', $repository, '-WhatIf'
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $text = $run.Output -join "`n"
        $text | Should -Match ([regex]::Escape("What if: Performing the operation `"Publish-PSResource`" on target `"CubePS $version"))
        $text | Should -Match ([regex]::Escape("to the local repository $repository"))
        foreach ($file in 'CubePS.psd1', 'CubePS.psm1', 'CubePS.dll', 'CubePS.Client.dll', 'en-US/CubePS.dll-Help.xml') {
            $run.Output | Should -Contain "  $file"
        }
        @(Get-ChildItem -LiteralPath $repository).Count | Should -Be 0
    }

    It 'publishes to a local file repository with the key from CUBEPS_GALLERY_API_KEY, which no output shows' {
        $repository = Join-Path $temp 'local'
        $null = New-Item -ItemType Directory -Path $repository
        $run = Invoke-PublishTask -Arguments '-Repository', $repository -Environment @{ CUBEPS_GALLERY_API_KEY = $apiKey }
        $run.ExitCode | Should -Be 0 -Because $run.Error
        ($run.Output -join "`n") + $run.Error | Should -Not -Match ([regex]::Escape($apiKey))
        $package = Join-Path $repository "CubePS.$version.nupkg"
        $package | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($package)
        try { $entries = @($zip.Entries.FullName) }
        finally { $zip.Dispose() }
        $entries | Should -Contain 'CubePS.psd1'
        $entries | Should -Contain 'CubePS.dll'
        $entries | Should -Contain 'dependencies/System.Text.Json.dll'
    }

    It 'takes the key from SecretManagement when the variable is not set' {
        # A stand-in for SecretManagement's Get-Secret, which writes down what it was asked for.
        $modules = Join-Path $temp 'secrets'
        $asked = Join-Path $temp 'asked.txt'
        $null = New-Item -ItemType Directory -Path "$modules/Microsoft.PowerShell.SecretManagement"
        @"
function Get-Secret { param([string] `$Name, [switch] `$AsPlainText) "`$Name `$AsPlainText" | Set-Content '$asked'; '$apiKey' }
"@ | Set-Content -LiteralPath "$modules/Microsoft.PowerShell.SecretManagement/Microsoft.PowerShell.SecretManagement.psm1"
        $repository = Join-Path $temp 'from-secret'
        $null = New-Item -ItemType Directory -Path $repository
        $run = Invoke-PublishTask -Arguments '-Repository', $repository -Environment @{ PSModulePath = "$modules$([IO.Path]::PathSeparator)$env:PSModulePath" }
        $run.ExitCode | Should -Be 0 -Because $run.Error
        Get-Content -LiteralPath $asked | Should -Be 'CubePSGalleryApiKey True'
        ($run.Output -join "`n") + $run.Error | Should -Not -Match ([regex]::Escape($apiKey))
        Join-Path $repository "CubePS.$version.nupkg" | Should -Exist
    }

    It 'refuses the Gallery without a key, at once, saying where the key comes from' {
        $run = Invoke-PublishTask
        $run.ExitCode | Should -Not -Be 0
        $run.Error -replace '\s+', ' ' | Should -Match 'No API key for the PowerShell Gallery: set CUBEPS_GALLERY_API_KEY .* SecretManagement'
    }

    It 'never takes the key as an argument, not even to its own publishing process' {
        (Get-Command (Join-Path $root 'build.ps1')).Parameters.Keys | Should -Not -Match 'Key|Secret|Token'
        (Get-Command (Join-Path $root '.build/Publish-CubePackage.ps1')).Parameters.Keys | Should -Not -Match 'Key|Secret|Token'
    }
}

Describe "Hosted CI's Windows PowerShell 5.1 smoke test" {
    It 'imports the module and reads and exports customers from its own simulator (here in PowerShell 7)' {
        $run = Invoke-PwshProcess -ArgumentList '-File', (Join-Path $root 'tests/smoke/Invoke-SmokeTest.ps1'), '-ModulePath', (Get-CubeModulePath), '-SimulatorPath', (Get-SimulatorPath) -CaptureOutput
        $run.ExitCode | Should -Be 0 -Because ($run.Output + $run.Error -join "`n")
        $run.Output | Should -Contain 'ok: Get-CubeCustomer reads the 10 customers of assignment 9'
        $run.Output[-1] | Should -Be 'Smoke test passed.'
    }

    It 'fails with -RequireDesktop anywhere but Windows PowerShell 5.1' {
        $run = Invoke-PwshProcess -ArgumentList '-File', (Join-Path $root 'tests/smoke/Invoke-SmokeTest.ps1'), '-ModulePath', (Get-CubeModulePath), '-SimulatorPath', (Get-SimulatorPath), '-RequireDesktop' -CaptureOutput
        $run.ExitCode | Should -Not -Be 0
        $run.Error | Should -Match 'Smoke test failed: this is Windows PowerShell 5\.1'
    }
}
