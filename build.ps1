#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates, benchmarks and packages CubePS.

.DESCRIPTION
    One entry point for every task. It needs only the .NET SDK: PowerShell itself comes from the
    tool manifest (dotnet tool restore), Pester from NuGet. Every path derives from CubePS.psd1,
    where the version lives.

    Build    Release build; assembles the importable module in out/CubePS.
    Test     Build, then every xUnit and Pester test; the last line is "N passed, N failed". Installs
             Debian's python3-openpyxl when missing (as root): the tests read every .xlsx back with it.
    Demo     Build, start the Cube simulator, run a short session against it, stop it.
    Simulator  Build, start the Cube simulator and print how to connect to it; runs until Ctrl+C.
    Bench    Build, then measure CubePS against an Invoke-RestMethod loop (out/bench).
    Package  Build, then out/CubePS.<version>.nupkg through Publish-PSResource.
    Publish  Build, then Publish-PSResource to -Repository: PSGallery (the default), or a folder
             (a local file repository, to try it). The Gallery's API key comes from the
             CUBEPS_GALLERY_API_KEY environment variable, else from SecretManagement
             (Get-Secret CubePSGalleryApiKey): never from the command line, never in the output.
             -WhatIf builds and shows what would go where, and publishes nothing.
    Fuzz     SharpFuzz and AFL++ on the page reader for -Minutes (default 10), findings in out/fuzz;
             installs Debian's afl++ when missing (as root). Not part of Test or CI: tests/fuzz/README.md.
    Clean    Remove out/ and the bin/obj folders.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Fuzz -Minutes 1

.EXAMPLE
    $env:CUBEPS_GALLERY_API_KEY = Get-Secret CubePSGalleryApiKey -AsPlainText; dotnet pwsh ./build.ps1 -Task Publish -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Simulator', 'Bench', 'Package', 'Publish', 'Fuzz', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # -Task Fuzz: how long AFL++ runs.
    [ValidateRange(1, 10080)]
    [int] $Minutes = 10,

    # -Task Simulator: the port to listen on (0: any free one).
    [ValidateRange(0, 65535)]
    [int] $Port = 0,

    # -Task Publish: PSGallery, or the path of a folder (a local file repository).
    [string] $Repository = 'PSGallery',

    # -Task Simulator and Publish: use what out/ holds instead of building first.
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
# -WhatIf is for the Publish task alone (Invoke-Publish asks $PSCmdlet.ShouldProcess); the build's
# own file operations run as usual.
$WhatIfPreference = $false
Set-StrictMode -Version Latest

# The SDK this repository builds with (global.json says the same to dotnet itself): on an older
# one, one clear message instead of a wall of restore errors.
$sdk = (& dotnet --version 2>$null) -as [string]
if ($LASTEXITCODE -ne 0 -or -not $sdk -or [version]($sdk -replace '-.*$', '') -lt [version]'10.0.100') {
    throw "CubePS builds with the .NET SDK 10.0.100 or later (this machine has $(if ($sdk) { $sdk } else { 'none that fits' })). Install it from https://dotnet.microsoft.com/download/dotnet/10.0, then run 'dotnet tool restore' again. The module it builds runs on PowerShell 7.4+ and Windows PowerShell 5.1."
}
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$ManifestPath = Join-Path $Root 'CubePS.psd1'
$Manifest = Import-PowerShellDataFile -LiteralPath $ManifestPath
$ModuleName = [IO.Path]::GetFileNameWithoutExtension($ManifestPath)
$Version = $Manifest.ModuleVersion
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out $ModuleName
$SimulatorOut = Join-Path $Out 'simulator'
$ResultsOut = Join-Path $Out 'test-results'
Import-Module (Join-Path $Root '.build/BuildTools.psm1') -Force

# The files the module ships, and nothing else: the root module and the module's own two dlls, and
# in the dependency folder the netstandard2.0 closure of System.Text.Json, which the module's
# resolver hands out (Windows PowerShell 5.1 needs all of it; PowerShell 7 carries its own
# System.Text.Json and needs none). The .xlsx writer is CubePS's own, on the runtime's ZipArchive.
# The folder's name lives in src/Directory.Build.props (CubePS.dll reads it from its own metadata).
$ModuleAssemblies = @('CubePS.dll', 'CubePS.Client.dll')
$DependencyFolder = ([xml](Get-Content -Raw -LiteralPath (Join-Path $Root 'src/Directory.Build.props'))).Project.PropertyGroup.CubeDependencyFolder
if (-not $DependencyFolder) { throw 'src/Directory.Build.props does not name CubeDependencyFolder.' }
$DependencyAssemblies = @(
    'Microsoft.Bcl.AsyncInterfaces.dll'
    'System.Buffers.dll'
    'System.Memory.dll'
    'System.Numerics.Vectors.dll'
    'System.Runtime.CompilerServices.Unsafe.dll'
    'System.Text.Encodings.Web.dll'
    'System.Text.Json.dll'
    'System.Threading.Tasks.Extensions.dll'
)

function Invoke-Native {
    # Runs a program and stops the build when it fails.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-Pwsh {
    # Runs a script file in a fresh pwsh process; returns its exit code.
    param([Parameter(Mandatory)][string] $File, [string[]] $ArgumentList = @(), [System.Collections.IDictionary] $Environment = @{})
    return Invoke-PwshProcess -ArgumentList (@('-File', $File) + $ArgumentList) -Environment $Environment
}

function Get-PesterManifest {
    # Pester 5.7.1 from NuGet (the PowerShell Gallery may be out of reach): a PackageDownload in
    # tests/tools puts it in the NuGet cache, where it is imported by path.
    $toolsProject = Join-Path $Root 'tests/tools/TestTools.csproj'
    Invoke-Native dotnet @('restore', $toolsProject, '--verbosity', 'quiet')
    $pester = Join-Path (Get-NuGetPackagesPath) 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path -LiteralPath $pester)) {
        throw "Pester 5.7.1 was not restored to $pester."
    }
    return $pester
}

function Invoke-Clean {
    foreach ($path in @($Out) + @(Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj | ForEach-Object FullName)) {
        if (Test-Path -LiteralPath $path) {
            Remove-Item -LiteralPath $path -Recurse -Force
        }
    }
    Write-Host "Cleaned."
}

function Invoke-Build {
    Write-Host "Building $ModuleName $Version ($Configuration)"
    $publish = Join-Path $Out 'publish'
    if (Test-Path -LiteralPath $publish) { Remove-Item -LiteralPath $publish -Recurse -Force }
    $project = Join-Path $Root 'src/CubePS/CubePS.csproj'
    Invoke-Native dotnet @('publish', $project, '--framework', 'netstandard2.0', '--configuration', $Configuration,
        '--output', $publish, "-p:Version=$Version", '--nologo', '--verbosity', 'quiet')
    # Compile only: the same sources against .NET Framework 4.7.2's reference assemblies, so that
    # an API Windows PowerShell 5.1 lacks fails here, not on a user's machine. Nothing of it ships.
    Invoke-Native dotnet @('build', $project, '--framework', 'net472', '--configuration', $Configuration,
        "-p:Version=$Version", '--nologo', '--verbosity', 'quiet', '-clp:NoSummary')
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/CubeSimulator/CubeSimulator.csproj'), '--configuration', $Configuration,
        '--output', $SimulatorOut, '--nologo', '--verbosity', 'quiet')

    # Every dll the publish made must be one we meant to ship.
    $published = Get-ChildItem -LiteralPath $publish -Filter *.dll | ForEach-Object Name
    $unexpected = $published | Where-Object { $_ -notin $ModuleAssemblies -and $_ -notin $DependencyAssemblies }
    if ($unexpected) { throw "The build made dlls that are not in the shipping list: $($unexpected -join ', ')." }
    $missing = @($ModuleAssemblies) + $DependencyAssemblies | Where-Object { $_ -notin $published }
    if ($missing) { throw "The build did not make these shipped dlls: $($missing -join ', ')." }

    if (Test-Path -LiteralPath $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut, (Join-Path $ModuleOut $DependencyFolder), (Join-Path $ModuleOut 'en-US')
    Copy-Item -LiteralPath $ManifestPath -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $Root 'LICENSE') -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $Root "src/$ModuleName/$ModuleName.psm1") -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $Root "src/$ModuleName/$ModuleName.Format.ps1xml") -Destination $ModuleOut
    foreach ($dll in $ModuleAssemblies) {
        Copy-Item -LiteralPath (Join-Path $publish $dll) -Destination $ModuleOut
    }
    foreach ($dll in $DependencyAssemblies) {
        Copy-Item -LiteralPath (Join-Path $publish $dll) -Destination (Join-Path $ModuleOut $DependencyFolder)
    }

    # Help: MAML built from the Markdown sources and the cmdlets' own metadata, in a fresh pwsh.
    $helpSource = Join-Path $Root 'src/CubePS/help'
    $exitCode = Invoke-Pwsh -File (Join-Path $Root '.build/New-CubeHelp.ps1') -ArgumentList @(
        '-ModulePath', $ModuleOut, '-SourceDirectory', $helpSource, '-OutputFile', (Join-Path $ModuleOut "en-US/$ModuleName.dll-Help.xml"))
    if ($exitCode -ne 0) { throw 'Building the help failed.' }
    Copy-Item -LiteralPath (Join-Path $helpSource "about_$ModuleName.help.txt") -Destination (Join-Path $ModuleOut 'en-US')
    Write-Host "Module: $ModuleOut"
}

function Invoke-Package {
    $package = Join-Path $Out "$ModuleName.$Version.nupkg"
    if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package }
    # In a pwsh with a home of its own, so the user's PSResourceGet settings are never touched.
    $isolated = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-home-" + [guid]::NewGuid().ToString('N'))
    try {
        $exitCode = Invoke-Pwsh -File (Join-Path $Root '.build/Publish-CubePackage.ps1') -ArgumentList @('-ModulePath', $ModuleOut, '-OutputDirectory', $Out) -Environment (New-IsolatedHome $isolated)
    }
    finally { Remove-Item -LiteralPath $isolated -Recurse -Force -ErrorAction SilentlyContinue }
    if ($exitCode -ne 0 -or -not (Test-Path -LiteralPath $package)) { throw "Publish-PSResource did not make $package." }
    Write-Host "Package: $package"
}

function Get-GalleryApiKey {
    # The Gallery's API key: CUBEPS_GALLERY_API_KEY, else the SecretManagement secret
    # CubePSGalleryApiKey; $null when neither is there. Never written anywhere.
    if ($env:CUBEPS_GALLERY_API_KEY) { return $env:CUBEPS_GALLERY_API_KEY }
    if (Get-Command -Name Get-Secret -ErrorAction SilentlyContinue) {
        $secret = Get-Secret -Name CubePSGalleryApiKey -AsPlainText -ErrorAction SilentlyContinue
        if ($secret) { return [string]$secret }
    }
    return $null
}

function Invoke-Publish {
    $toGallery = $Repository -eq 'PSGallery'
    $folder = if (-not $toGallery) { (Resolve-Path -LiteralPath $Repository).Path }
    $target = if ($toGallery) { 'the PowerShell Gallery (PSGallery)' } else { "the local repository $folder" }
    # Checked before anything is built or sent: a Gallery publish without a key fails at once.
    $apiKey = Get-GalleryApiKey
    if ($toGallery -and -not $apiKey) {
        throw 'No API key for the PowerShell Gallery: set CUBEPS_GALLERY_API_KEY in the environment, or store it with SecretManagement (Set-Secret -Name CubePSGalleryApiKey). It is never taken from the command line.'
    }
    if (-not $NoBuild) { Invoke-Build }

    $files = Get-ChildItem -LiteralPath $ModuleOut -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($ModuleOut, $_.FullName) -replace '\\', '/' } | Sort-Object
    Write-Host "$ModuleName $Version to ${target}: $($files.Count) files"
    foreach ($file in $files) { Write-Host "  $file" }
    if (-not $PSCmdlet.ShouldProcess("$ModuleName $Version ($($files.Count) files) to $target", 'Publish-PSResource')) { return }

    $isolated = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-home-" + [guid]::NewGuid().ToString('N'))
    try {
        $environment = New-IsolatedHome $isolated
        if ($apiKey) { $environment['CUBEPS_PUBLISH_API_KEY'] = $apiKey }
        $arguments = if ($toGallery) { @('-ModulePath', $ModuleOut, '-Repository', 'PSGallery') } else { @('-ModulePath', $ModuleOut, '-OutputDirectory', $folder) }
        $exitCode = Invoke-Pwsh -File (Join-Path $Root '.build/Publish-CubePackage.ps1') -ArgumentList $arguments -Environment $environment
    }
    finally { Remove-Item -LiteralPath $isolated -Recurse -Force -ErrorAction SilentlyContinue }
    if ($exitCode -ne 0) { throw "Publish-PSResource failed (exit code $exitCode): $ModuleName $Version was not published to $target." }
    Write-Host "Published $ModuleName $Version to $target."
}

function Read-UnitTestCounts {
    # Passed and failed counts from a TRX file; tests that did not run count as failed.
    param([string] $TrxPath)
    if (-not (Test-Path -LiteralPath $TrxPath)) {
        Write-Warning "No unit test results at $TrxPath (did the test project build?)."
        return @{ Passed = 0; Failed = 1 }
    }
    $counters = ([xml](Get-Content -Raw -LiteralPath $TrxPath)).TestRun.ResultSummary.Counters
    $passed = [int]$counters.passed
    return @{ Passed = $passed; Failed = [int]$counters.total - $passed }
}

function Install-XlsxReader {
    # The tests read every .xlsx they write back with openpyxl, a reader nobody on this project
    # wrote (tests/tools/read_xlsx.py, run by Debian's /usr/bin/python3). Missing, it is installed
    # from Debian's packages as root; otherwise the build says how, and the tests that need it fail.
    if ($IsLinux -and (Test-Path -LiteralPath /usr/bin/python3)) {
        & /usr/bin/python3 -c 'import openpyxl' 2>$null
        if ($LASTEXITCODE -eq 0) { return }
    }
    if (-not $IsLinux -or (& id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Warning 'openpyxl is missing, so the .xlsx read-back tests will fail: install it (Debian: sudo apt-get install -y python3-openpyxl), then run -Task Test again.'
        return
    }
    Write-Host 'openpyxl is not installed: installing Debian''s python3-openpyxl package.'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq')
    Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'python3-openpyxl')
}

function Invoke-Test {
    Install-XlsxReader
    Invoke-Build
    Invoke-Package
    if (Test-Path -LiteralPath $ResultsOut) { Remove-Item -LiteralPath $ResultsOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ResultsOut

    Write-Host "`n== Unit tests (xUnit) =="
    & dotnet test (Join-Path $Root 'tests/CubePS.Client.Tests/CubePS.Client.Tests.csproj') --configuration $Configuration --nologo `
        --logger 'console;verbosity=normal' --logger 'trx;LogFileName=unit.trx' --results-directory $ResultsOut
    $unit = Read-UnitTestCounts (Join-Path $ResultsOut 'unit.trx')

    Write-Host "`n== Module tests (Pester, against out/$ModuleName and the Cube simulator) =="
    $pesterResult = Join-Path $ResultsOut 'pester.json'
    $null = Invoke-Pwsh -File (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1') -ArgumentList @(
        '-PesterPath', (Get-PesterManifest), '-ModulePath', $ModuleOut, '-ResultFile', $pesterResult)
    $pester = if (Test-Path -LiteralPath $pesterResult) { Get-Content -Raw -LiteralPath $pesterResult | ConvertFrom-Json } else { $null }
    if ($null -eq $pester -or $null -eq $pester.passed -or $null -eq $pester.failed) {
        Write-Warning "No Pester results at $pesterResult."
        $pester = [pscustomobject]@{ passed = 0; failed = 1 }
    }

    $passed = $unit.Passed + $pester.passed
    $failed = $unit.Failed + $pester.failed
    Write-Host ""
    Write-Host "xUnit: $($unit.Passed) passed, $($unit.Failed) failed; Pester: $($pester.passed) passed, $($pester.failed) failed"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Import-Module (Join-Path $Root 'tests/CubeSimulator/CubeSimulator.psm1') -Force
    $simulator = Start-CubeSimulator -SimulatorPath (Join-Path $SimulatorOut 'CubeSimulator.dll')
    try {
        Write-Host "The Cube simulator is listening on $($simulator.BaseUri)"
        $exitCode = Invoke-Pwsh -File (Join-Path $Root 'tests/demo/Invoke-CubeDemo.ps1') -ArgumentList @(
            '-ModulePath', $ModuleOut, '-BaseUri', $simulator.BaseUri, '-OutputDirectory', (Join-Path $Out 'demo'))
        if ($exitCode -ne 0) { throw "The demo failed (exit code $exitCode)." }
    }
    finally {
        # Also on failure and Ctrl+C; the simulator watches this process too.
        Stop-CubeSimulator $simulator
        Write-Host 'The Cube simulator is stopped.'
    }
}

function Invoke-Simulator {
    if (-not $NoBuild) { Invoke-Build }
    Import-Module (Join-Path $Root 'tests/CubeSimulator/CubeSimulator.psm1') -Force
    $arguments = if ($Port) { @('--port', "$Port") } else { @() }
    $simulator = Start-CubeSimulator -SimulatorPath (Join-Path $SimulatorOut 'CubeSimulator.dll') -Port $Port
    try {
        $modulePath = (Resolve-Path -LiteralPath $ModuleOut).Path
        Write-Host ""
        Write-Host "The Cube simulator is listening on $($simulator.BaseUri)"
        Write-Host "Token: $($simulator.Token)   (or HTTP Basic: $($simulator.UserName) / $($simulator.Password))"
        Write-Host "Assignments: 9 (B2B, the seed record), 12 (B2C), 20 (1,234 customers in pages), 77 (403), any other id 404."
        Write-Host ""
        Write-Host "In another PowerShell, paste (pwsh, or 'dotnet pwsh' started in ${Root}: the tool is pinned there, elsewhere dotnet does not find it):"
        Write-Host "  Import-Module '$modulePath'"
        Write-Host "  Connect-Cube -BaseUri $($simulator.BaseUri) -Token (ConvertTo-SecureString '$($simulator.Token)' -AsPlainText -Force)"
        Write-Host "  Get-CubeCustomer -AssignmentId 9 | Format-Table"
        Write-Host ""
        Write-Host "Press Ctrl+C to stop the simulator."
        while (-not $simulator.Process.HasExited) { Start-Sleep -Milliseconds 250 }
        throw "The simulator exited by itself (exit code $($simulator.Process.ExitCode))."
    }
    finally {
        # Also on Ctrl+C; the simulator watches this process too.
        Stop-CubeSimulator $simulator
        Write-Host 'The Cube simulator is stopped.'
    }
}

function Invoke-Bench {
    Invoke-Build
    $exitCode = Invoke-Pwsh -File (Join-Path $Root 'tests/bench/Invoke-Benchmark.ps1') -ArgumentList @(
        '-ModulePath', $ModuleOut, '-SimulatorPath', (Join-Path $SimulatorOut 'CubeSimulator.dll'), '-OutputDirectory', (Join-Path $Out 'bench'))
    if ($exitCode -ne 0) { throw "The benchmark failed (exit code $exitCode)." }
}

function Invoke-Fuzz {
    # Builds the fuzzer itself (no module build needed); the script says what it found and where.
    $exitCode = Invoke-Pwsh -File (Join-Path $Root 'tests/fuzz/Invoke-Fuzz.ps1') -ArgumentList @(
        '-Root', $Root, '-OutputDirectory', (Join-Path $Out 'fuzz'), '-Minutes', $Minutes, '-Configuration', $Configuration)
    if ($exitCode -ne 0) { throw "The fuzz run found crashes or hangs, or could not run (exit code $exitCode): see above." }
}

switch ($Task) {
    'Clean' { Invoke-Clean }
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Simulator' { Invoke-Simulator }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Build; Invoke-Package }
    'Publish' { Invoke-Publish }
    'Fuzz' { Invoke-Fuzz }
}
