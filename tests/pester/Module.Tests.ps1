# The module as the PowerShell Gallery and Windows PowerShell 5.1 see it: the manifest, the
# rules PSScriptAnalyzer would check, paging parameters, and the shipped dependency closure.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modulePath = Get-CubeModulePath
    $script:manifestPath = Join-Path $modulePath 'CubePS.psd1'
    $script:module = Import-Module $modulePath -Force -PassThru
    $script:manifest = Import-PowerShellDataFile $manifestPath
    $script:commands = @(Get-Command -Module CubePS)
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator

    function Get-AssemblyReferences([string] $Path) {
        # The assemblies a dll asks for, read from its metadata without loading it.
        $stream = [IO.File]::OpenRead($Path)
        try {
            $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($reader)
            foreach ($handle in $metadata.AssemblyReferences) {
                $metadata.GetAssemblyReference($handle).GetAssemblyName()
            }
        }
        finally { $stream.Dispose() }
    }
}

AfterAll {
    Disconnect-Cube
}

Describe 'Manifest' {
    It 'passes Test-ModuleManifest' {
        $tested = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $tested.Version | Should -Be ([version]$manifest.ModuleVersion)
        $tested.Name | Should -Be 'CubePS'
    }

    It 'has what the Gallery shows: <Key>' -ForEach @(
        @{ Key = 'GUID' }, @{ Key = 'Author' }, @{ Key = 'CompanyName' }, @{ Key = 'Copyright' }, @{ Key = 'Description' }
    ) {
        $manifest[$Key] | Should -Not -BeNullOrEmpty
    }

    It 'runs on Windows PowerShell 5.1 and PowerShell 7' {
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be '5.1'
    }

    It 'exports its cmdlets by name and nothing else' {
        $manifest.CmdletsToExport | Should -Be @('Connect-Cube', 'Disconnect-Cube', 'Get-CubeConnection', 'Get-CubeCustomer')
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        , $manifest.FunctionsToExport | Should -BeOfType [array]
        $manifest.FunctionsToExport.Count | Should -Be 0
        $manifest.AliasesToExport.Count | Should -Be 0
        $manifest.VariablesToExport.Count | Should -Be 0
        ($commands.Name | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'loads its formats and carries the Gallery data' {
        $manifest.FormatsToProcess | Should -Be @('CubePS.Format.ps1xml')
        $data = $manifest.PrivateData.PSData
        foreach ($tag in 'Cube', 'Headshed', 'CRM', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS') {
            $data.Tags | Should -Contain $tag
        }
        $data.ProjectUri | Should -Match '^https://'
        $data.LicenseUri | Should -Match '^https://'
        $data.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'has the version of the manifest in its assemblies' {
        $version = [version]$manifest.ModuleVersion
        foreach ($dll in 'CubePS.dll', 'CubePS.Client.dll') {
            [Reflection.AssemblyName]::GetAssemblyName((Join-Path $modulePath $dll)).Version | Should -Be ([version]::new($version.Major, $version.Minor, $version.Build, 0))
        }
    }
}

Describe 'Gallery rules' {
    It '<Name> uses an approved verb' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name; Verb = $_.Verb } }) {
        (Get-Verb).Verb | Should -Contain $Verb
    }

    It '<Name> has a singular noun' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name; Noun = $_.Noun } }) {
        $Noun | Should -Not -Match 's$'
    }

    It 'takes secrets only as SecureString or PSCredential' {
        foreach ($command in $commands) {
            foreach ($parameter in $command.Parameters.Values) {
                if ($parameter.Name -match 'Password|Token|Secret|Credential|Key') {
                    $parameter.ParameterType | Should -BeIn @([securestring], [pscredential]) -Because "$($command.Name) -$($parameter.Name)"
                }
            }
        }
    }

    It '<Name> declares its output type' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name } }) {
        (Get-Command $Name).OutputType | Should -Not -BeNullOrEmpty
    }

    It 'names Connect-Cube''s parameter sets for what they take' {
        (Get-Command Connect-Cube).ParameterSets.Name | Sort-Object | Should -Be @('AccountWithCredential', 'AccountWithToken', 'BaseUriWithCredential', 'BaseUriWithToken')
        (Get-Command Connect-Cube).DefaultParameterSet | Should -Be 'AccountWithToken'
        $syntax = Get-Command Connect-Cube -Syntax
        $syntax | Should -Match 'Connect-Cube \[-Account\] <string> -Token <securestring>'
        $syntax | Should -Match 'Connect-Cube -BaseUri <uri> -Credential <pscredential>'
    }

    It 'has paging parameters on Get-CubeCustomer' {
        $parameters = (Get-Command Get-CubeCustomer).Parameters
        foreach ($name in 'First', 'Skip', 'IncludeTotalCount') { $parameters.Keys | Should -Contain $name }
    }
}

Describe 'Windows PowerShell 5.1 dependencies' {
    BeforeAll {
        $script:dependencyFolder = Join-Path $modulePath 'dependencies'
        $script:shipped = @{}
        foreach ($dll in Get-ChildItem $dependencyFolder -Filter *.dll) { $shipped[[IO.Path]::GetFileNameWithoutExtension($dll.Name)] = [Reflection.AssemblyName]::GetAssemblyName($dll.FullName) }
    }

    It 'ships System.Text.Json 8.0 with its netstandard2.0 dependency closure' {
        $shipped['System.Text.Json'].Version.Major | Should -Be 8
        foreach ($name in 'Microsoft.Bcl.AsyncInterfaces', 'System.Buffers', 'System.Memory', 'System.Numerics.Vectors', 'System.Runtime.CompilerServices.Unsafe', 'System.Text.Encodings.Web', 'System.Threading.Tasks.Extensions') {
            $shipped.Keys | Should -Contain $name
        }
    }

    It 'satisfies every reference between the shipped dlls, as the module''s resolver would' {
        $dlls = @(Get-ChildItem $dependencyFolder -Filter *.dll) + (Get-Item (Join-Path $modulePath 'CubePS.Client.dll'))
        foreach ($dll in $dlls) {
            foreach ($reference in Get-AssemblyReferences $dll.FullName) {
                if ($shipped.ContainsKey($reference.Name)) {
                    $shipped[$reference.Name].Version | Should -BeGreaterOrEqual $reference.Version -Because "$($dll.Name) asks for $($reference.FullName)"
                }
                elseif ($reference.Name -notin 'netstandard', 'mscorlib', 'CubePS.Client') {
                    throw "$($dll.Name) needs $($reference.Name), which is neither shipped nor part of .NET Standard."
                }
            }
        }
    }

    It 'keeps System.Text.Json out of the assembly with the module initializer' {
        (Get-AssemblyReferences (Join-Path $modulePath 'CubePS.dll')).Name | Should -Not -Contain 'System.Text.Json'
    }
}

Describe 'Paging parameters' {
    It '-First stops requesting pages once it has enough' {
        Reset-SimulatorStats
        $ten = @(Get-CubeCustomer -AssignmentId 20 -First 10)
        $ten.customer_id | Should -Be (5000000..5000009)
        Get-SimulatorRequestCount 20 | Should -Be 1
        Reset-SimulatorStats
        @(Get-CubeCustomer -AssignmentId 20 -First 150).Count | Should -Be 150
        Get-SimulatorRequestCount 20 | Should -Be 2
    }

    It '-Skip passes over customers across pages' {
        (Get-CubeCustomer -AssignmentId 20 -Skip 95 -First 10).customer_id | Should -Be (5000095..5000104)
    }

    It '-IncludeTotalCount takes the total from the envelope''s count' {
        $out = @(Get-CubeCustomer -AssignmentId 20 -First 5 -IncludeTotalCount)
        $out.Count | Should -Be 6
        [uint64]$out[0] | Should -Be 1234
        "$($out[0])" | Should -Match '1234'
        $out[1].customer_id | Should -Be 5000000
    }

    It '-IncludeTotalCount counts a bare array read to its end' {
        $out = @(Get-CubeCustomer -AssignmentId 9 -IncludeTotalCount)
        [uint64]$out[0] | Should -Be 10
        $out.Count | Should -Be 11
    }

    It '-IncludeTotalCount says the total is unknown when nothing can tell it' {
        $out = @(Get-CubeCustomer -AssignmentId 9 -First 2 -IncludeTotalCount)
        $out[0].ToString() | Should -Match 'Unknown'
        $out = @(Get-CubeCustomer -AssignmentId 20 -First 2 -UpdatedSince '2020-01-01' -IncludeTotalCount)
        $out[0].ToString() | Should -Match 'Unknown'
    }
}
